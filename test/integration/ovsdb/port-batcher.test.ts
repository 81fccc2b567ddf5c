// Concurrent port requests share transactions; a bad request fails alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ovsFor, ovsdbClientFor } from '../../harness/with-ovs';
import { Vswitch } from '../../../ovsdb/vswitch/vswitch';
import { PortBatcher } from '../../../ovsdb/vswitch/port-batcher';
import { OvsdbError } from '../../../ovsdb/protocol/errors';

test('100 concurrent addPort calls: few transactions, all realised; a duplicate fails alone', async (t) => {
  const ovs = await ovsFor(t);
  if (!ovs) return;
  const client = await ovsdbClientFor(t, ovs);
  const vs = await Vswitch.open(client);
  await vs.ensureBridge({ name: 'br0', datapathType: 'netdev', failMode: 'secure' });
  const names = Array.from({ length: 100 }, (_, i) => `ip${i}`);
  const batcher = new PortBatcher(vs);
  const results = await Promise.allSettled([
    ...names.map((name, i) => batcher.addPort({ bridge: 'br0', name, type: 'internal', ofportRequest: 33000 + i })),
    batcher.addPort({ bridge: 'br0', name: 'br0', type: 'internal' }),
  ]);
  assert.equal(results.filter((r) => r.status === 'rejected').length, 1, 'only the duplicate fails');
  const duplicate = results.at(-1);
  assert.ok(
    duplicate?.status === 'rejected' &&
      duplicate.reason instanceof OvsdbError &&
      duplicate.reason.code === 'ROW_EXISTS' &&
      /already exists/.test(duplicate.reason.message),
    'the duplicate is refused by the client, before any transaction',
  );
  assert.ok(batcher.transactions <= 3 + 1, `used ${batcher.transactions} transactions`);
  const realised = await vs.waits.waitRealised(names, 30_000);
  assert.equal(realised.get('ip7'), 33007);
  assert.equal((await ovs.vsctl('list-ports', 'br0')).trim().split('\n').length, 100);
  await Promise.all(names.map((name) => batcher.removePort(name)));
  assert.equal((await ovs.vsctl('list-ports', 'br0')).trim(), '');
});
