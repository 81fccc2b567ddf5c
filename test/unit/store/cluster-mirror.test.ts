// The cluster mirror's promises while its watch is late (store/cluster-mirror.ts), on an
// in-memory store whose watch delivers only when told; the same mirror runs against a real
// etcd in test/integration/store/cluster-mirror.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterMirror } from '../../../controller/store/cluster-mirror';
import { silentLogger } from '../../../controller/log';
import { HeldWatchStore } from '../../harness/held-watch-store';

const open = async (store: HeldWatchStore): Promise<ClusterMirror> => ClusterMirror.open(store, silentLogger);

test("a host's own writes are read back before the watch reports them", async () => {
  const store = new HeldWatchStore();
  const mirror = await open(store);
  await mirror.txn({ puts: [{ key: 'net/a', value: 1 }] });
  assert.equal((await mirror.get('net/a'))?.value, 1);
  await mirror.txn({ deletes: ['net/a'] });
  assert.equal(await mirror.get('net/a'), undefined);
  store.release(); // the put and the delete arrive late, in order
  assert.equal(await mirror.get('net/a'), undefined, 'the late put did not come back');
});

test("another host's write is seen when the watch brings it, not before", async () => {
  const store = new HeldWatchStore();
  const mirror = await open(store);
  await store.txn({ puts: [{ key: 'net/b', value: 'elsewhere' }] });
  assert.equal(await mirror.get('net/b'), undefined, 'reads never go to etcd for it');
  store.release();
  assert.equal((await mirror.get('net/b'))?.value, 'elsewhere');
  assert.equal(store.gets, 0);
});

test('current() resolves once the copy holds what etcd had applied when asked', async () => {
  const store = new HeldWatchStore();
  const mirror = await open(store);
  await mirror.current();
  // A write etcd applied whose answer never came back: only etcd and, later, the watch know it.
  await store.txn({ puts: [{ key: 'ep/late', value: 'stored on waking' }] });
  let current = false;
  const asked = mirror.current().then(() => (current = true));
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(current, false, 'not current while the watch has not brought the write');
  store.release();
  await asked;
  assert.equal((await mirror.get('ep/late'))?.value, 'stored on waking');
});

test('a failed compare waits for the rest of the winning transaction before the retry reads', async () => {
  const store = new HeldWatchStore();
  const mirror = await open(store);
  // Another host made a network: a serial key and the record it guards, in one transaction.
  await store.txn({
    puts: [
      { key: 'netserial', value: 1 },
      { key: 'net/web', value: { pool: '10.0.0.0/24' } },
    ],
  });
  const failed = mirror.txn({ compares: [{ key: 'netserial', revision: 0 }], puts: [{ key: 'netserial', value: 1 }] });
  // The compare failed; the mirror refreshed netserial and now waits for the watch...
  await new Promise((resolve) => setTimeout(resolve, 50));
  let settled = false;
  void failed.then(() => (settled = true));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(settled, false, 'the failed txn does not return while the winner is only half known');
  store.release();
  assert.equal((await failed).succeeded, false);
  assert.deepEqual(
    (await mirror.list('net/')).map((e) => e.key),
    ['net/web'],
    'the retry reads the network the serial guarded',
  );
  assert.equal((await mirror.get('netserial'))?.value, 1);
});

test('a failed compare on a key deleted elsewhere reads it as absent', async () => {
  const store = new HeldWatchStore();
  const mirror = await open(store);
  await mirror.txn({ puts: [{ key: 'addr/10.0.0.2', value: 'ep1' }] });
  store.release();
  const held = (await mirror.get('addr/10.0.0.2'))!.revision;
  await store.txn({ deletes: ['addr/10.0.0.2'] }); // released elsewhere, watch late
  const r = await mirror.txn({ compares: [{ key: 'addr/10.0.0.2', revision: held }], deletes: ['addr/10.0.0.2'] });
  assert.equal(r.succeeded, false);
  assert.equal(await mirror.get('addr/10.0.0.2'), undefined, 'the retry sees it free');
  store.release();
  assert.equal(await mirror.get('addr/10.0.0.2'), undefined);
});

test('lists come back sorted as keys come and go', async () => {
  const store = new HeldWatchStore();
  const mirror = await open(store);
  for (const key of ['ep/c', 'ep/a', 'net/x', 'ep/b', 'epoch']) await mirror.txn({ puts: [{ key, value: key }] });
  await mirror.txn({ deletes: ['ep/b'] });
  store.release();
  assert.deepEqual(
    (await mirror.list('ep/')).map((e) => e.key),
    ['ep/a', 'ep/c'],
  );
  assert.deepEqual(
    (await mirror.list('')).map((e) => e.key),
    ['ep/a', 'ep/c', 'epoch', 'net/x'],
  );
});

test("the watch confirming a host's own writes is told as an echo; anything written elsewhere is not", async () => {
  const store = new HeldWatchStore();
  const mirror = await open(store);
  const told: Array<{ keys: string[]; echo: boolean }> = [];
  mirror.onChange((events, echo) => told.push({ keys: events.map((e) => e.key), echo }));
  await mirror.txn({ puts: [{ key: 'ep/own', value: 1 }] });
  await mirror.txn({ deletes: ['ep/own'] });
  store.release();
  await store.txn({ puts: [{ key: 'ep/other', value: 2 }] });
  store.release();
  await mirror.txn({ puts: [{ key: 'ep/own', value: 3 }] });
  await store.txn({ puts: [{ key: 'ep/other', value: 4 }] });
  store.release();
  assert.deepEqual(told, [
    { keys: ['ep/own', 'ep/own'], echo: true },
    { keys: ['ep/other'], echo: false },
    { keys: ['ep/own', 'ep/other'], echo: false },
  ]);
  assert.equal((await mirror.get('ep/other'))?.value, 4, 'what came from elsewhere is held');
});
