// Cross-checks the codec with an independent decoder, OVS's own:
// - every hand-written fixture, printed by `ovs-ofctl ofp-print`, says what the fixture
//   claims it says;
// - a seeded sample of generated FlowMods: the bytes we encode (read back by
//   `ovs-ofctl ofp-parse`) and the text we format (parsed by `ovs-ofctl parse-flows`)
//   come out as the same flow, line for line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Writer } from '../../../flows/ofp/buffer';
import { encodeInto } from '../../../flows/ofp/encode';
import { formatFlow } from '../../../flows/ofp/text';
import { requireBinaries } from '../../harness/require';
import { ALL_FIXTURES, hex } from '../../unit/ofp/fixtures';
import { prng, randomFlow } from '../../unit/ofp/fixtures/random-flows';

const run = promisify(execFile);

async function ofctl(...args: string[]): Promise<string> {
  return (await run('ovs-ofctl', args, { maxBuffer: 64 * 1024 * 1024 })).stdout;
}

const withoutXid = (line: string): string => line.replace(/ \(xid=0x[0-9a-f]+\)/, '');

test('every fixture reads the same in ovs-ofctl ofp-print', async (t) => {
  if (!requireBinaries(t, ['ovs-ofctl'])) return;
  for (const f of ALL_FIXTURES) {
    const printed = await ofctl('ofp-print', hex(f.hex).toString('hex'));
    assert.doesNotMatch(printed, /\*\*\*/, `${f.name}\n${printed}`);
    let from = 0;
    for (const expected of f.printed) {
      const at = printed.indexOf(expected, from);
      assert.ok(at >= 0, `${f.name}: expected "${expected}" in\n${printed}`);
      from = at + expected.length;
    }
  }
});

test('300 generated FlowMods: our bytes and our text are the same flow to OVS', async (t) => {
  if (!requireBinaries(t, ['ovs-ofctl'])) return;
  const rand = prng(20261123);
  const flows = Array.from({ length: 300 }, () => randomFlow(rand));
  const dir = mkdtempSync(join(tmpdir(), 'ovsnet-ofp-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const w = new Writer();
  flows.forEach((flow, i) => encodeInto(w, { type: 'flow_mod', xid: i + 1, ...flow }));
  writeFileSync(join(dir, 'flows.bin'), w.finish());
  writeFileSync(join(dir, 'flows.txt'), `${flows.map((f) => formatFlow(f)).join('\n')}\n`);
  const fromBytes = (await ofctl('ofp-parse', join(dir, 'flows.bin'))).split('\n').filter((l) => l.startsWith('OFPT_FLOW_MOD'));
  const fromText = (await ofctl('-O', 'OpenFlow13', 'parse-flows', join(dir, 'flows.txt'))).split('\n').filter((l) => l.startsWith('OFPT_FLOW_MOD'));
  assert.equal(fromBytes.length, flows.length, 'OVS read every encoded message');
  assert.equal(fromText.length, flows.length, 'OVS parsed every text line');
  flows.forEach((flow, i) => assert.equal(withoutXid(fromBytes[i] as string), withoutXid(fromText[i] as string), `flow ${i}: ${formatFlow(flow)}`));
});
