// The embedded store must survive kill -9 at any instant: everything acknowledged is there
// after a restart, and no transaction is ever half applied.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileKvStore } from '../../../controller/store/file-store';
import { until } from '../../harness/until';

async function runAndKill(dir: string, afterMs: number): Promise<number[]> {
  const child = spawn(process.execPath, [join(__dirname, 'store-writer-child.js'), dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  // The kill comes `afterMs` after the writer's first acknowledged transaction, not after
  // the spawn: on a busy machine Node's own start-up can take longer than the delay.
  await until('the writer acknowledging its first transaction', () => /^\d+$/m.test(out), 15_000, 5);
  await new Promise((r) => setTimeout(r, afterMs));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  return out
    .split('\n')
    .filter((l) => /^\d+$/.test(l))
    .map(Number);
}

test('acknowledged transactions survive SIGKILL and none is half applied', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ovsnet-kill9-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let acknowledged: number[] = [];
  for (const delay of [150, 230, 310, 170, 400]) {
    acknowledged = acknowledged.concat(await runAndKill(dir, delay));
    const store = FileKvStore.open(dir);
    const a = new Map((await store.list('a/')).map((e) => [e.key.slice(2), e.value]));
    const b = new Map((await store.list('b/')).map((e) => [e.key.slice(2), e.value]));
    await store.close();
    assert.ok(acknowledged.length > 0, 'the writer made progress');
    for (const i of acknowledged) assert.equal(a.get(String(i)), i, `acknowledged txn ${i} is present`);
    assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort(), 'every txn wrote both keys or neither');
  }
});
