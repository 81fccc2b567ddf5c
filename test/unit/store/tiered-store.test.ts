// The tiered store: cluster-wide keys in the cluster store, the rest in the host's own, and
// transactions across both that never leave the cluster pointing at a claim this host lacks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ControllerError } from '../../../controller/errors';
import { kvStoreContract } from '../../harness/kv-store-contract';
import { tieredStores } from '../../harness/tiered-stores';

kvStoreContract('TieredKvStore', (t) => Promise.resolve(tieredStores(t).store));

const values = async (store: { list(p: string): Promise<Array<{ key: string; value: unknown }>> }, prefix = '') =>
  (await store.list(prefix)).map((e) => [e.key, e.value]);

test('each key goes to its store: cluster-wide prefixes to the cluster, the rest stays on the host', async (t) => {
  const { store, local, clusterFile } = tieredStores(t);
  const done = await store.txn({
    puts: [
      { key: 'net/n1', value: 'network' },
      { key: 'ipam/pool/p', value: 'pool' },
      { key: 'hosts/h1', value: 'host' },
      { key: 'ofport/40000', value: 'gateway:n1' },
      { key: 'gw/n1', value: 40000 },
    ],
  });
  assert.equal(done.succeeded, true);
  assert.deepEqual(await values(clusterFile), [
    ['hosts/h1', 'host'],
    ['ipam/pool/p', 'pool'],
    ['net/n1', 'network'],
  ]);
  assert.deepEqual(await values(local), [
    ['gw/n1', 40000],
    ['ofport/40000', 'gateway:n1'],
  ]);
  assert.equal((await store.get('net/n1'))?.value, 'network');
  assert.equal((await store.get('gw/n1'))?.value, 40000);
  assert.deepEqual(
    (await store.list('')).map((e) => e.key),
    ['gw/n1', 'hosts/h1', 'ipam/pool/p', 'net/n1', 'ofport/40000'],
    'a listing that spans both stores merges them in key order',
  );
});

test('a local key left in the host store under a cluster prefix is never read', async (t) => {
  const { store, local } = tieredStores(t);
  await local.txn({ puts: [{ key: 'ep/n1/old', value: 'single-host leftover' }] });
  assert.equal(await store.get('ep/n1/old'), undefined);
  assert.deepEqual(await store.list('ep/'), []);
  assert.deepEqual(await store.list(''), []);
});

test('a transaction across both stores commits both parts', async (t) => {
  const { store, local, clusterFile } = tieredStores(t);
  await local.txn({ puts: [{ key: 'ofport/40001', value: 'endpoint:n1/old' }] });
  const done = await store.txn({
    compares: [
      { key: 'ep/n1/e1', revision: 0 },
      { key: 'ofport/40002', revision: 0 },
    ],
    puts: [
      { key: 'ep/n1/e1', value: { ofport: 40002 } },
      { key: 'ofport/40002', value: 'endpoint:n1/e1' },
      { key: 'unlink/ovsold', value: { pool: true } },
    ],
    deletes: ['ofport/40001'],
  });
  assert.equal(done.succeeded, true);
  assert.deepEqual(await values(clusterFile), [['ep/n1/e1', { ofport: 40002 }]]);
  assert.deepEqual(await values(local), [
    ['ofport/40002', 'endpoint:n1/e1'],
    ['unlink/ovsold', { pool: true }],
  ]);
});

test('a failed local compare writes nothing anywhere', async (t) => {
  const { store, local, cluster, clusterFile } = tieredStores(t);
  await local.txn({ puts: [{ key: 'ofport/40002', value: 'someone else' }] });
  const done = await store.txn({
    compares: [{ key: 'ofport/40002', revision: 0 }],
    puts: [
      { key: 'ep/n1/e1', value: 1 },
      { key: 'ofport/40002', value: 'endpoint:n1/e1' },
    ],
  });
  assert.equal(done.succeeded, false);
  assert.equal(cluster.txns, 0, 'the cluster store was not asked');
  assert.deepEqual(await values(clusterFile), []);
  assert.equal((await local.get('ofport/40002'))?.value, 'someone else');
});

test('a refused cluster part undoes the local part: claims restored, releases never made', async (t) => {
  const { store, local, clusterFile } = tieredStores(t);
  await clusterFile.txn({ puts: [{ key: 'ep/n1/e1', value: 'taken' }] });
  await local.txn({
    puts: [
      { key: 'hostport/tcp/8080', value: 'before' },
      { key: 'ofport/40009', value: 'endpoint:n1/x' },
    ],
  });
  const localBefore = await values(local);
  const done = await store.txn({
    compares: [{ key: 'ep/n1/e1', revision: 0 }],
    puts: [
      { key: 'ep/n1/e1', value: 'mine' },
      { key: 'ofport/40002', value: 'endpoint:n1/e1' },
      { key: 'hostport/tcp/8080', value: 'e1' },
      { key: 'unlink/ovsx', value: { pool: true } },
    ],
    deletes: ['ofport/40009'],
  });
  assert.equal(done.succeeded, false, 'the failure is reported, so the caller retries on fresh state');
  assert.deepEqual(await values(local), localBefore, 'a new claim removed, a replaced one restored');
  assert.equal((await clusterFile.get('ep/n1/e1'))?.value, 'taken');
});

test('a cluster part that provably never left is undone; one that may have been applied keeps its claims', async (t) => {
  const { store, local, cluster } = tieredStores(t);
  const txn = {
    puts: [
      { key: 'ep/n1/e1', value: 'mine' },
      { key: 'ofport/40002', value: 'endpoint:n1/e1' },
    ],
    deletes: ['ofport/40009'],
  };
  await local.txn({ puts: [{ key: 'ofport/40009', value: 'endpoint:n1/e1' }] });
  cluster.failNext = new ControllerError('UNAVAILABLE', 'the cluster store at x is unreachable', { unreachable: true });
  await assert.rejects(store.txn(txn), /unreachable/);
  assert.deepEqual(await values(local), [['ofport/40009', 'endpoint:n1/e1']], 'undone');

  cluster.failNext = new ControllerError('UNAVAILABLE', 'the cluster store at x is unreachable', {
    unreachable: true,
    outcome: 'unknown',
  });
  await assert.rejects(store.txn(txn), /unreachable/);
  assert.deepEqual(
    await values(local),
    [
      ['ofport/40002', 'endpoint:n1/e1'],
      ['ofport/40009', 'endpoint:n1/e1'],
    ],
    'the claim stays (the sweep removes it if the cluster part was not applied); the release waits',
  );
});

test('the local keys of a transaction in flight are reported pending until it ends', async (t) => {
  const { store, cluster } = tieredStores(t);
  cluster.hold();
  const running = store.txn({
    puts: [
      { key: 'ep/n1/e1', value: 'mine' },
      { key: 'ofport/40002', value: 'endpoint:n1/e1' },
    ],
    deletes: ['hostport/tcp/1'],
  });
  while (cluster.txns === 0) await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual([...store.pendingLocalKeys()].sort(), ['hostport/tcp/1', 'ofport/40002']);
  cluster.release();
  assert.equal((await running).succeeded, true);
  assert.deepEqual([...store.pendingLocalKeys()], []);
});

test('transactions within one store go to that store alone', async (t) => {
  const { store, local, cluster } = tieredStores(t);
  await store.txn({ puts: [{ key: 'pool/ovp1', value: 1 }], deletes: ['unlink/x'] });
  assert.equal(cluster.txns, 0);
  await store.txn({ compares: [{ key: 'rule/r', revision: 0 }], puts: [{ key: 'rule/r', value: 1 }] });
  assert.equal(cluster.txns, 1);
  assert.deepEqual(await values(local), [['pool/ovp1', 1]]);
});
