// The cluster store as the controller reads it (store/cluster-mirror.ts), against a real,
// private etcd: the KvStore contract, read-your-writes ahead of the watch, several hosts'
// mirrors converging on each other's changes and on expired leases, compare-and-swap under
// contention from stale copies, and reads that keep answering while etcd is down.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd, etcdSharedByFile } from '../../harness/etcd';
import { ETCD_BINARIES, requireBinaries } from '../../harness/require';
import { kvStoreContract } from '../../harness/kv-store-contract';
import { until } from '../../harness/until';
import { EtcdKvStore } from '../../../controller/store/etcd-store';
import { ClusterMirror } from '../../../controller/store/cluster-mirror';
import { isControllerError } from '../../../controller/errors';
import { silentLogger } from '../../../controller/log';

/** One etcd for the tests that do not disturb it; each test gets its own key prefix. */
const sharedEtcd = etcdSharedByFile();

let prefixes = 0;
const nextPrefix = (): string => `/ovsnet-mirror-${process.pid}/${++prefixes}`;

/** One host's view: a mirror over its own etcd client, on the prefix its cluster shares. */
async function openMirror(t: TestContext, etcd: Etcd, prefix: string, timeoutMs = 8_000): Promise<ClusterMirror> {
  const store = EtcdKvStore.open({ endpoints: [etcd.clientUrl], prefix, timeoutMs });
  const mirror = await ClusterMirror.open(store, silentLogger);
  t.after(() => mirror.close());
  return mirror;
}

kvStoreContract('cluster mirror over etcd', async (t) => {
  const etcd = await sharedEtcd(t);
  return etcd ? openMirror(t, etcd, nextPrefix()) : undefined;
});

test('a mirror reads what other hosts wrote, once its watch brings it, and tells its listeners after', async (t) => {
  const etcd = await sharedEtcd(t);
  if (!etcd) return;
  const prefix = nextPrefix();
  const h1 = await openMirror(t, etcd, prefix);
  const h2 = await openMirror(t, etcd, prefix);
  const heard: string[] = [];
  h2.onChange((events) => {
    // A listener re-reads: what it was told about must already be readable.
    for (const e of events)
      void h2.get(e.key).then((entry) => heard.push(`${e.type} ${e.key} ${entry === undefined ? 'gone' : 'there'}`));
  });
  await h1.txn({ puts: [{ key: 'net/a', value: { vni: 4096 } }] });
  await until('h2 to see net/a', async () => (await h2.get('net/a')) !== undefined, 5_000);
  assert.deepEqual(
    (await h2.list('net/')).map((e) => [e.key, e.value]),
    [['net/a', { vni: 4096 }]],
  );
  await h1.txn({ deletes: ['net/a'] });
  await until('h2 to see net/a gone', async () => (await h2.get('net/a')) === undefined, 5_000);
  await until('both changes heard', () => heard.length === 2, 5_000);
  assert.deepEqual(heard, ['put net/a there', 'delete net/a gone']);
});

test('a host reads its own write at once, and a late event of an older write never undoes a newer one', async (t) => {
  const etcd = await sharedEtcd(t);
  if (!etcd) return;
  const h1 = await openMirror(t, etcd, nextPrefix());
  // Many writes of one key back to back: each read right after its txn sees that write,
  // though the watch delivers the earlier ones in between.
  for (let i = 0; i < 50; i++) {
    await h1.txn({ puts: [{ key: 'ep/a', value: i }] });
    assert.equal((await h1.get('ep/a'))?.value, i, `write ${i} read back at once`);
  }
  await h1.txn({ deletes: ['ep/a'] });
  assert.equal(await h1.get('ep/a'), undefined, 'a delete is read back at once');
  const last = await h1.txn({ puts: [{ key: 'ep/b', value: 'settled' }] });
  await until('the watch to catch up', () => h1.watchedRevision >= last.revision, 5_000);
  assert.equal(await h1.get('ep/a'), undefined, 'no older put came back');
  assert.deepEqual(
    (await h1.list('ep/')).map((e) => e.key),
    ['ep/b'],
  );
});

test('three hosts claiming from one small pool through stale copies: every slot once, no one spins', async (t) => {
  const etcd = await sharedEtcd(t);
  if (!etcd) return;
  const prefix = nextPrefix();
  const hosts = [
    await openMirror(t, etcd, prefix),
    await openMirror(t, etcd, prefix),
    await openMirror(t, etcd, prefix),
  ];
  const SLOTS = 14;
  let attempts = 0;
  /** Claims the lowest free slot as the address allocator does: read, pick, compare-and-swap. */
  const claim = async (mirror: ClusterMirror, owner: string): Promise<number | undefined> => {
    for (;;) {
      attempts++;
      const taken = new Set((await mirror.list('slot/')).map((e) => Number(e.key.slice('slot/'.length))));
      const free = Array.from({ length: SLOTS }, (_, i) => i).find((i) => !taken.has(i));
      if (free === undefined) return undefined;
      const key = `slot/${free}`;
      const r = await mirror.txn({ compares: [{ key, revision: 0 }], puts: [{ key, value: owner }] });
      if (r.succeeded) return free;
    }
  };
  const claims = await Promise.all(
    hosts.flatMap((mirror, h) => Array.from({ length: 6 }, (_, i) => claim(mirror, `h${h}-${i}`))),
  );
  const got = claims.filter((c): c is number => c !== undefined);
  assert.equal(got.length, SLOTS, 'every slot was claimed');
  assert.equal(new Set(got).size, SLOTS, 'no slot twice');
  assert.equal(claims.length - got.length, 18 - SLOTS, 'the others were told the pool is full');
  // A failed compare refreshes the key it named, so every round of compares lets at least
  // one claimer through: 18 claimers need at most 18 + 17 + ... + 1 tries. A copy that
  // never caught up would have them spin without end.
  assert.ok(attempts <= (18 * 19) / 2, `${attempts} attempts for 18 claims`);
  const direct = await hosts[0]!.store.list('slot/');
  assert.equal(direct.length, SLOTS);
  for (const mirror of hosts)
    await until(
      'every copy to hold the pool as etcd does',
      async () => JSON.stringify(await mirror.list('slot/')) === JSON.stringify(await hosts[0]!.store.list('slot/')),
      5_000,
    );
});

test("a host's expired lease takes its keys out of every other host's copy", async (t) => {
  const etcd = await sharedEtcd(t);
  if (!etcd) return;
  const prefix = nextPrefix();
  const h1 = await openMirror(t, etcd, prefix);
  const h2 = await openMirror(t, etcd, prefix);
  const lease = await h2.store.grantLease(1);
  await lease.txn({ puts: [{ key: 'hosts/h2', value: { id: 'h2' } }] });
  await until('h1 to see h2', async () => (await h1.get('hosts/h2')) !== undefined, 5_000);
  lease.release(); // as if h2 died: no more renewals
  await until('h1 to see h2 expire', async () => (await h1.list('hosts/')).length === 0, 10_000);
});

test('etcd down: reads answer from the copy, writes fail clearly, and changes flow again once it is back', async (t) => {
  if (!requireBinaries(t, ETCD_BINARIES)) return;
  const etcd = await Etcd.start();
  t.after(() => etcd.stop());
  const prefix = nextPrefix();
  const h1 = await openMirror(t, etcd, prefix, 2_000);
  const h2 = await openMirror(t, etcd, prefix, 2_000);
  await h1.txn({ puts: [{ key: 'net/a', value: 'before' }] });
  await until('h2 to see net/a', async () => (await h2.get('net/a')) !== undefined, 5_000);

  await etcd.stopKeepingData();
  assert.equal((await h2.get('net/a'))?.value, 'before', 'reads go on from the copy');
  assert.equal((await h2.list('net/')).length, 1);
  await assert.rejects(
    () => h2.txn({ puts: [{ key: 'net/b', value: 'lost' }] }),
    (error: unknown) =>
      isControllerError(error, 'UNAVAILABLE') && /cluster store .* is unreachable/.test(error.message),
  );
  await etcd.restart();

  await until(
    'writes to succeed again',
    () =>
      h1.txn({ puts: [{ key: 'net/c', value: 'after' }] }).then(
        (r) => r.succeeded,
        () => false,
      ),
    15_000,
  );
  await until('h2 to see the change made after the outage', async () => (await h2.get('net/c')) !== undefined, 10_000);
  assert.equal(await h2.get('net/b'), undefined, 'the refused write is nowhere');
});
