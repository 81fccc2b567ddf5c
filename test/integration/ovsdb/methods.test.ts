// The OVS extensions and RFC methods beyond transact and monitor, on a real ovsdb-server:
// locks (lock, steal with the stolen notification, unlock, re-taken after a server restart),
// conditional monitoring with monitor_cond_change, and set_db_change_aware.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ovsFor, ovsdbClientFor } from '../../harness/with-ovs';
import { sleep } from '../../../controller/ovs/private-ovs';
import { until } from '../../harness/until';
import { TransactionError } from '../../../ovsdb/protocol/errors';
import { assertLock, comment } from '../../../ovsdb/protocol/operations';

test('locks: lock, contention, steal with notification, unlock', async (t) => {
  const ovs = await ovsFor(t);
  if (!ovs) return;
  const a = await ovsdbClientFor(t, ovs);
  const b = await ovsdbClientFor(t, ovs);
  const notices: string[] = [];
  a.on('notification', (method) => notices.push(method));
  assert.deepEqual(await a.lock('ovsnet'), { locked: true });
  assert.deepEqual(await b.lock('ovsnet'), { locked: false }, 'a second client waits for the lock');
  // OVS wants a pending lock request withdrawn before the same client steals.
  assert.deepEqual(await b.unlock('ovsnet'), {});
  assert.deepEqual(await b.steal('ovsnet'), { locked: true });
  await until('stolen notification', () => notices.includes('stolen'));
  assert.deepEqual(await b.unlock('ovsnet'), {});
  assert.deepEqual(await b.setDbChangeAware(true), {});
});

test('monitor_cond_change moves the replica to the new condition', async (t) => {
  const ovs = await ovsFor(t);
  if (!ovs) return;
  await ovs.addNetdevBridge('br0');
  await ovs.vsctl(
    'add-port',
    'br0',
    'pa',
    '--',
    'set',
    'interface',
    'pa',
    'type=internal',
    '--',
    'add-port',
    'br0',
    'pb',
    '--',
    'set',
    'interface',
    'pb',
    'type=internal',
  );
  const client = await ovsdbClientFor(t, ovs);
  const replica = await client.monitor('Open_vSwitch', {
    Interface: { columns: ['name'], where: [['name', '==', 'pa']] },
  });
  const names = (): string[] => [...replica.rows('Interface')].map((r) => String(r['name'])).sort();
  assert.deepEqual(names(), ['pa'], 'only rows matching the condition are replicated');
  await client.changeMonitorConditions(replica, { Interface: [['name', '==', 'pb']] });
  await until('condition applied', () => names().join() === 'pb');
  await ovs.vsctl('set', 'interface', 'pa', 'external_ids:x=1');
  await ovs.vsctl('add-port', 'br0', 'pc', '--', 'set', 'interface', 'pc', 'type=internal');
  await sleep(300);
  assert.deepEqual(names(), ['pb'], 'rows outside the condition stay out');
});

test('a lock is held again after ovsdb-server restarts', async (t) => {
  const ovs = await ovsFor(t);
  if (!ovs) return;
  const fast = { backoff: { minMs: 50, maxMs: 200, jitter: 0 } };
  const a = await ovsdbClientFor(t, ovs, fast);
  const b = await ovsdbClientFor(t, ovs, fast);
  assert.deepEqual(await a.lock('ovsnet'), { locked: true });
  assert.ok(a.hasLock('ovsnet'));
  // The control: a session that does not hold the lock fails the assert operation.
  await assert.rejects(
    b.transact('Open_vSwitch', [assertLock('ovsnet')]),
    (e: unknown) => e instanceof TransactionError && e.code === 'NOT_OWNER',
  );

  await ovs.restartOvsdb();
  await until('a holds the lock again', () => a.state === 'connected' && a.hasLock('ovsnet'), 15_000);
  // The server agrees: a's assert passes and b queues behind it.
  await a.transact('Open_vSwitch', [assertLock('ovsnet'), comment('still the owner')]);
  await until('b reconnected', () => b.state === 'connected', 15_000);
  assert.deepEqual(await b.lock('ovsnet'), { locked: false });
  assert.equal(b.hasLock('ovsnet'), false);
  assert.deepEqual(await a.unlock('ovsnet'), {});
  assert.equal(a.hasLock('ovsnet'), false);
  await until('b is granted the lock', () => b.hasLock('ovsnet'));
});
