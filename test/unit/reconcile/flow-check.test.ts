import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dueFlowCheck, flowCheckThresholds, type FlowCheckHistory } from '../../../controller/reconcile/flow-check';

const defaults = flowCheckThresholds();

/** A small table read back at 0 in 10 ms, found right, nothing installed since. */
const settled: FlowCheckHistory = { verifiedAt: 0, readBackAt: 0, readBackMs: 10, lastCheckAt: 0, lastInstallAt: 0 };

test('defaults: one check per 2 s, quiet for 2 s, checked anyway after 20 s, read-backs 50x their duration apart', () => {
  assert.deepEqual(defaults, { checkPeriodMs: 2000, quietMs: 2000, maxUncheckedMs: 20_000, readBackSpacing: 50 });
  assert.deepEqual(
    flowCheckThresholds({ checkPeriodMs: 1000 }),
    { checkPeriodMs: 1000, quietMs: 1000, maxUncheckedMs: 10_000, readBackSpacing: 50 },
    'quiet time and patience follow a given period',
  );
});

test('at most one check per period, even when the last one was inconclusive', () => {
  assert.equal(dueFlowCheck(1999, settled, defaults), 'none');
  assert.equal(dueFlowCheck(2000, settled, defaults), 'read-back');
  const inconclusive = { ...settled, lastCheckAt: 2000 };
  assert.equal(dueFlowCheck(3999, inconclusive, defaults), 'none');
  assert.equal(dueFlowCheck(4000, inconclusive, defaults), 'read-back');
});

test('a check waits for a quiet moment: no bundle installed for the quiet time', () => {
  const busy = { ...settled, lastInstallAt: 9000 };
  assert.equal(dueFlowCheck(10_999, busy, defaults), 'none');
  assert.equal(dueFlowCheck(11_000, busy, defaults), 'read-back');
});

test('while bundles keep coming, the switch is checked once the last conclusive check is 20 s old', () => {
  const installingAlways = (now: number): FlowCheckHistory => ({ ...settled, lastInstallAt: now - 10 });
  assert.equal(dueFlowCheck(19_999, installingAlways(19_999), defaults), 'none');
  assert.equal(dueFlowCheck(20_000, installingAlways(20_000), defaults), 'read-back');
});

test('a table slow to read back is counted in between, and read back at most every 50x its duration', () => {
  const big = { ...settled, readBackMs: 200 };
  assert.equal(dueFlowCheck(2000, big, defaults), 'count');
  assert.equal(dueFlowCheck(9999, { ...big, verifiedAt: 7000, lastCheckAt: 7000 }, defaults), 'count');
  assert.equal(dueFlowCheck(9999, { ...big, verifiedAt: 8000, lastCheckAt: 8000 }, defaults), 'none');
  assert.equal(dueFlowCheck(10_000, { ...big, verifiedAt: 8000, lastCheckAt: 8000 }, defaults), 'read-back');
  assert.equal(dueFlowCheck(2000, settled, defaults), 'read-back', 'a quick read-back is done every period');
});
