import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planPorts, type PortIntent } from '../../../controller/reconcile/desired-ports';
import { PortDrift } from '../../../controller/reconcile/port-drift';

const port = (name: string, ofportRequest: number, owner = `endpoint:${name}`): PortIntent => ({
  name,
  type: '',
  ofportRequest,
  owner,
});

/** One pass as OvsDataplane runs it, the whole plan applied; returns the bridge afterwards. */
function pass(
  drift: PortDrift,
  desired: PortIntent[],
  bridge: PortIntent[],
): { repairs: ReturnType<PortDrift['applied']>; bridge: PortIntent[] } {
  const plan = planPorts(desired, bridge);
  const repairs = drift.applied(desired, bridge, plan);
  const after = bridge.filter((p) => !plan.remove.includes(p.name)).concat(plan.add);
  return { repairs, bridge: after };
}

test('port drift: new ports and ports ovsnet removes are not repairs', () => {
  const drift = new PortDrift();
  let bridge: PortIntent[] = [];
  ({ bridge } = pass(drift, [port('a', 1)], bridge));
  const second = pass(drift, [port('a', 1), port('b', 2)], bridge);
  assert.deepEqual(second.repairs, { added: 0, modified: 0 }, 'b is new');
  const third = pass(drift, [port('a', 1)], second.bridge);
  assert.deepEqual(third.repairs, { added: 0, modified: 0 }, 'b removed with its endpoint');
  // b comes back (a new endpoint by the same name): still new, not a repair.
  assert.deepEqual(pass(drift, [port('a', 1), port('b', 2)], third.bridge).repairs, { added: 0, modified: 0 });
});

test('port drift: a port deleted by hand is added back and counted once', () => {
  const drift = new PortDrift();
  const desired = [port('a', 1), port('b', 2)];
  const { bridge } = pass(drift, desired, []);
  const deleted = bridge.filter((p) => p.name !== 'b');
  const repaired = pass(drift, desired, deleted);
  assert.deepEqual(repaired.repairs, { added: 1, modified: 0 });
  assert.deepEqual(pass(drift, desired, repaired.bridge).repairs, { added: 0, modified: 0 }, 'counted once');
});

test('port drift: a port changed by hand is recreated and counted; ovsnet changing it is not', () => {
  const drift = new PortDrift();
  const { bridge } = pass(drift, [port('a', 1)], []);
  const edited = [{ ...port('a', 1), ofportRequest: 7 }];
  assert.deepEqual(pass(drift, [port('a', 1)], edited).repairs, { added: 0, modified: 1 });
  // ovsnet itself now wants another owner (a pool slot handed to an endpoint).
  assert.deepEqual(pass(drift, [port('a', 1, 'endpoint:x')], bridge).repairs, { added: 0, modified: 0 });
});

test('port drift: a repair held back by port admission counts when it is made', () => {
  const drift = new PortDrift();
  const desired = [port('a', 1)];
  pass(drift, desired, []);
  const held = drift.applied(desired, [], { add: [], remove: [] });
  assert.deepEqual(held, { added: 0, modified: 0 });
  assert.deepEqual(pass(drift, desired, []).repairs, { added: 1, modified: 0 });
});
