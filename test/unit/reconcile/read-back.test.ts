// A read-back keyed from the switch's undecoded entries is the table keyed() gives for the
// same flows, on the first read-back and on every later one, whatever changed in between:
// counters, flows added or removed, a flow's actions or cookie changed by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyed, type Keyed } from '../../../controller/reconcile/desired-flows';
import { diffFlows } from '../../../controller/reconcile/flow-sync';
import { ReadBackKeys } from '../../../controller/reconcile/read-back';
import { buildPipeline } from '../../../flows/pipeline/build';
import { toFlowMod } from '../../../flows/pipeline/spec';
import { encodeMessage } from '../../../flows/ofp/encode';
import { decodeFlowStatsEntry, splitFlowStats } from '../../../flows/ofp/messages/flow';
import { undecodedMultipartReply } from '../../../flows/ofp/messages/multipart';
import { OfpDecodeError } from '../../../flows/ofp/buffer';
import type { FlowMod, FlowStats } from '../../../flows/ofp/types';
import type { PipelineEndpoint } from '../../../flows/pipeline/model';
import { generatedState } from '../pipeline/generated-state';

function endpoint(i: number): PipelineEndpoint {
  return {
    ofport: 32768 + i,
    networkTag: 1,
    mac: `02:00:00:00:01:${i.toString(16).padStart(2, '0')}`,
    ipv4: `10.0.1.${i + 2}`,
  };
}

/**
 * A pipeline's flows as the switch gives them back (addresses in their canonical spelling),
 * which is what keyed() of a decoded dump compares.
 */
const wanted = (): FlowMod[] =>
  dump(
    buildPipeline({ ...generatedState(), endpoints: Array.from({ length: 120 }, (_, i) => endpoint(i)) }).map(
      toFlowMod,
    ),
    0,
  ).map((entry) => {
    const f = decodeFlowStatsEntry(entry.bytes);
    return {
      command: 'add',
      tableId: f.tableId,
      priority: f.priority,
      cookie: f.cookie,
      match: f.match,
      instructions: f.instructions,
    };
  });

/** The flows as a switch would report them: with counters, in multipart replies of 100 flows. */
function dump(flows: readonly FlowMod[], age: number): ReturnType<typeof splitFlowStats> {
  const stats: FlowStats[] = flows.map((f, i) => ({
    tableId: f.tableId,
    durationSec: age,
    durationNsec: i,
    priority: f.priority,
    idleTimeout: 0,
    hardTimeout: 0,
    flags: 0,
    cookie: f.cookie ?? 0n,
    packetCount: BigInt(age * i),
    byteCount: BigInt(age * i * 64),
    match: f.match,
    instructions: f.instructions,
  }));
  const entries: ReturnType<typeof splitFlowStats> = [];
  for (let at = 0; at < stats.length; at += 100) {
    const frame = encodeMessage({
      type: 'flow_stats_reply',
      xid: 7,
      flags: at + 100 < stats.length ? 1 : 0,
      flows: stats.slice(at, at + 100),
    });
    const reply = undecodedMultipartReply(frame);
    assert.ok(reply, 'a flow stats reply is a multipart reply');
    entries.push(...splitFlowStats(reply.body));
  }
  return entries;
}

const table = (k: Keyed): string[] => [...k].map(([key, value]) => `${key} => ${value.content}`).sort();

test('the first read-back is keyed as keyed() keys the same flows, and other work runs meanwhile', async () => {
  const flows = wanted();
  assert.ok(flows.length > 1000, `several slices (${flows.length} flows)`);
  let ranMeanwhile = false;
  setImmediate(() => (ranMeanwhile = true));
  const got = await new ReadBackKeys().keyed(dump(flows, 1));
  assert.ok(ranMeanwhile, 'a callback queued before keying ran before it finished');
  assert.deepEqual(table(got), table(keyed(flows)));
});

test('later read-backs: new counters change nothing, and every change by hand shows', async () => {
  const keys = new ReadBackKeys();
  const flows = wanted();
  const want = keyed(flows);
  const first = await keys.keyed(dump(flows, 1), want);
  assert.deepEqual(diffFlows(want, first), { add: [], remove: [] }, 'the switch holds what is wanted');
  const again = await keys.keyed(dump(flows, 9), want);
  assert.deepEqual(table(again), table(want), 'older, busier flows are the same flows');

  // By hand: one flow's actions changed, one's cookie changed, one deleted, one added.
  const changed = flows.map((f) => ({ ...f }));
  const actions = changed.findIndex((f) => f.instructions.length > 0 && f.priority > 0);
  changed[actions] = { ...(changed[actions] as FlowMod), instructions: [] };
  const cookie = changed.findIndex((f, i) => i !== actions && (f.cookie ?? 0n) !== 0n);
  changed[cookie] = { ...(changed[cookie] as FlowMod), cookie: 0xdeadn };
  const [gone] = changed.splice(changed.length - 1, 1);
  changed.push({
    command: 'add',
    tableId: 0,
    priority: 65000,
    match: [{ field: 'in_port', value: 7 }],
    instructions: [],
  });
  const later = await keys.keyed(dump(changed, 12), want);
  assert.deepEqual(table(later), table(keyed(changed)), 'the same as keying the changed table afresh');
  const drift = diffFlows(want, later);
  assert.equal(drift.add.length, 3, 'the two changed flows and the deleted one go back');
  assert.equal(drift.remove.length, 3, 'the two changed flows and the added one go');
  assert.ok(gone && drift.add.some((f) => f.priority === gone.priority && f.match === gone.match), 'the deleted flow');
});

test('a reply whose entries do not add up is refused with a reason, not misread', () => {
  const [entry] = dump(wanted().slice(0, 1), 1);
  assert.ok(entry);
  const body = Buffer.from(entry.bytes);
  assert.throws(() => splitFlowStats(body.subarray(0, body.length - 8)), OfpDecodeError, 'cut short');
  const bad = Buffer.from(body);
  bad.writeUInt16BE(20, 0);
  assert.throws(() => splitFlowStats(bad), /length 20/, 'a length shorter than an entry');
  assert.equal(undecodedMultipartReply(Buffer.from([4, 0, 0, 8, 0, 0, 0, 1])), undefined, 'a hello is not a reply');
});
