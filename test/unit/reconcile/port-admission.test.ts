import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PortAdmission } from '../../../controller/reconcile/port-admission';
import { FakeClock } from '../../harness/fake-clock';

const limits = { busyHoldMs: 5000, joinHoldMs: 400, joinExpectedMs: 2000 };

test('a lone port on an idle switch is admitted at once', () => {
  const admission = new PortAdmission(new FakeClock(), limits);
  assert.deepEqual(admission.decide({ additions: 1, unjoined: [], switchBusy: false }), { admit: true });
});

test('ports wait while ovs-vswitchd is busy, and go once it is done', () => {
  const clock = new FakeClock();
  const admission = new PortAdmission(clock, limits);
  assert.equal(admission.decide({ additions: 3, unjoined: [], switchBusy: true }).admit, false);
  clock.advance(1200);
  assert.equal(admission.decide({ additions: 7, unjoined: [], switchBusy: true }).admit, false);
  assert.deepEqual(admission.decide({ additions: 7, unjoined: [], switchBusy: false }), { admit: true });
});

test('a switch that never catches up holds ports no longer than the busy limit', () => {
  const clock = new FakeClock();
  const admission = new PortAdmission(clock, limits);
  const first = admission.decide({ additions: 1, unjoined: [], switchBusy: true });
  assert.deepEqual(first, { admit: false, retryInMs: 5000 });
  clock.advance(5000);
  assert.deepEqual(admission.decide({ additions: 1, unjoined: [], switchBusy: true }), { admit: true });
});

test('ports wait for endpoints that were just created and are about to join, up to the join limit', () => {
  const clock = new FakeClock();
  const admission = new PortAdmission(clock, limits);
  const held = admission.decide({ additions: 1, unjoined: ['n/b', 'n/c'], switchBusy: false });
  assert.deepEqual(held, { admit: false, retryInMs: 400 });
  clock.advance(100);
  // b joined; c is still on its way.
  assert.equal(admission.decide({ additions: 2, unjoined: ['n/c'], switchBusy: false }).admit, false);
  clock.advance(100);
  // c joined: nothing more is expected, all three go together.
  assert.deepEqual(admission.decide({ additions: 3, unjoined: [], switchBusy: false }), { admit: true });
});

test('a join that never comes holds ports at most the join limit, and stops counting after a while', () => {
  const clock = new FakeClock();
  const admission = new PortAdmission(clock, limits);
  assert.equal(admission.decide({ additions: 1, unjoined: ['n/stale'], switchBusy: false }).admit, false);
  clock.advance(400);
  assert.deepEqual(admission.decide({ additions: 1, unjoined: ['n/stale'], switchBusy: false }), { admit: true });
  clock.advance(1600);
  // Two seconds after it was first seen unjoined, the stale endpoint no longer holds anything.
  assert.deepEqual(admission.decide({ additions: 1, unjoined: ['n/stale'], switchBusy: false }), { admit: true });
});
