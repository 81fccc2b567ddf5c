// This host's claims follow the cluster store: whatever a half-finished transaction or a
// deletion made elsewhere left without an owner goes, what an endpoint of this host lacks
// is claimed again, and nothing in flight is touched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalClaims } from '../../../controller/cnm/local-claims';
import { keys, type EndpointRecord } from '../../../controller/cnm/records';
import { tieredStores } from '../../harness/tiered-stores';

const endpoint = (id: string, ofport: number, host: string, extra: Partial<EndpointRecord> = {}): EndpointRecord => ({
  networkId: 'n1',
  endpointId: id,
  host,
  mac: '02:00:00:00:00:01',
  ofport,
  hostIfname: `ovs${id}`,
  containerIfname: `ovc${id}`,
  ...extra,
});

test('claims whose owner the cluster does not have are removed; the veth of a vanished endpoint is recorded stale', async (t) => {
  const { store, local, clusterFile } = tieredStores(t);
  await clusterFile.txn({
    puts: [
      { key: keys.network('n1'), value: { id: 'n1' } },
      { key: keys.endpoint('n1', 'kept1234'), value: endpoint('kept1234', 40001, 'h1', { ports: [] }) },
      { key: keys.endpoint('n1', 'moved123'), value: endpoint('moved123', 40005, 'h1') },
      {
        key: keys.endpoint('n1', 'publish1'),
        value: endpoint('publish1', 40006, 'h1', { ports: [{ proto: 'tcp', containerPort: 80, hostPort: 8080 }] }),
      },
      { key: keys.endpoint('n1', 'other123'), value: endpoint('other123', 40007, 'h2') },
    ],
  });
  await local.txn({
    puts: [
      { key: keys.ofport(40001), value: 'endpoint:n1/kept1234' },
      { key: keys.ofport(40002), value: 'endpoint:n1/gone1234' }, // a crash before its cluster part
      { key: keys.ofport(40003), value: 'endpoint:n1/moved123' }, // given up half-way (pool claim)
      { key: keys.ofport(40005), value: 'endpoint:n1/moved123' },
      { key: keys.ofport(40006), value: 'endpoint:n1/publish1' },
      { key: keys.ofport(40007), value: 'endpoint:n1/other123' }, // lives on h2, not here
      { key: keys.ofport(40010), value: 'gateway:n1' },
      { key: keys.gatewayPort('n1'), value: 40010 },
      { key: keys.ofport(40011), value: 'gateway:n9' },
      { key: keys.gatewayPort('n9'), value: 40011 },
      { key: keys.ofport(40012), value: 'pool:ovpabc' },
      { key: keys.hostPort('tcp', 8080), value: 'publish1' },
      { key: keys.hostPort('tcp', 9090), value: 'gone1234' },
    ],
  });
  const repairs = await new LocalClaims(store, 'h1').reconcile();
  assert.deepEqual(repairs.removed.sort(), [
    'gw/n9',
    'hostport/tcp/9090',
    'ofport/40002',
    'ofport/40003',
    'ofport/40007',
    'ofport/40011',
  ]);
  assert.deepEqual(repairs.reclaimed, []);
  assert.deepEqual(
    (await local.list('')).map((e) => e.key),
    [
      'gw/n1',
      'hostport/tcp/8080',
      'ofport/40001',
      'ofport/40005',
      'ofport/40006',
      'ofport/40010',
      'ofport/40012',
      'unlink/ovsgone1234',
      'unlink/ovsother123',
    ],
  );
  assert.deepEqual(await new LocalClaims(store, 'h1').reconcile(), { removed: [], reclaimed: [] }, 'converged');
});

test('an endpoint of this host whose port number claim is missing gets it back', async (t) => {
  const { store, local, clusterFile } = tieredStores(t);
  await clusterFile.txn({ puts: [{ key: keys.endpoint('n1', 'lost1234'), value: endpoint('lost1234', 40020, 'h1') }] });
  const repairs = await new LocalClaims(store, 'h1').reconcile();
  assert.deepEqual(repairs.reclaimed, ['ofport/40020']);
  assert.equal((await local.get(keys.ofport(40020)))?.value, 'endpoint:n1/lost1234');
});

test('the claims of a transaction still in flight are left alone', async (t) => {
  const { store, local, cluster } = tieredStores(t);
  cluster.hold();
  const creating = store.txn({
    compares: [{ key: keys.endpoint('n1', 'new12345'), revision: 0 }],
    puts: [
      { key: keys.endpoint('n1', 'new12345'), value: endpoint('new12345', 40030, 'h1') },
      { key: keys.ofport(40030), value: 'endpoint:n1/new12345' },
    ],
  });
  while (cluster.txns === 0) await new Promise((resolve) => setImmediate(resolve));
  assert.equal((await local.get(keys.ofport(40030)))?.value, 'endpoint:n1/new12345', 'claimed, not yet committed');
  const repairs = await new LocalClaims(store, 'h1').reconcile();
  assert.deepEqual(repairs.removed, []);
  cluster.release();
  assert.equal((await creating).succeeded, true);
  assert.equal((await local.get(keys.ofport(40030)))?.value, 'endpoint:n1/new12345');
});
