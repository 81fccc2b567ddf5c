// The cluster store against a real, private etcd: the same KvStore contract as the embedded
// store, plus what only a shared store has - concurrent writers, watches, leases, outages.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { Etcd, etcdSharedByFile } from '../../harness/etcd';
import { makeRunDir } from '../../harness/ledger';
import { makeTestPki } from '../../harness/pki';
import { ETCD_BINARIES, requireBinaries } from '../../harness/require';
import { kvStoreContract } from '../../harness/kv-store-contract';
import { until } from '../../harness/until';
import { EtcdKvStore } from '../../../controller/store/etcd-store';
import type { EtcdStoreOptions } from '../../../controller/store/etcd-options';
import type { KvEntry, KvSnapshot, KvWatchEvent } from '../../../controller/store/kv';
import { CuttingProxy } from '../../harness/cutting-proxy';
import { isControllerError } from '../../../controller/errors';
import { asRequest, LAST_CALL_MS } from '../../../controller/store/request-scope';

/** One etcd for the tests that do not disturb it; each test gets its own key prefix. */
const sharedEtcd = etcdSharedByFile();

/** An etcd of the test's own, for outages; stopped even when the test fails. */
async function ownEtcd(t: TestContext): Promise<Etcd | undefined> {
  if (!requireBinaries(t, ETCD_BINARIES)) return undefined;
  const etcd = await Etcd.start();
  t.after(() => etcd.stop());
  return etcd;
}

let prefixes = 0;
function openStore(t: TestContext, etcd: Etcd, options: Partial<EtcdStoreOptions> = {}): EtcdKvStore {
  const store = EtcdKvStore.open({
    endpoints: [etcd.clientUrl],
    prefix: `/ovsnet-test-${process.pid}/${++prefixes}`,
    ...options,
  });
  t.after(() => store.close());
  return store;
}

/** What a watch reported, in order. */
class WatchLog {
  readonly events: KvWatchEvent[] = [];
  readonly resyncs: KvSnapshot[] = [];
  readonly errors: Error[] = [];
  readonly handlers = {
    onEvents: (events: KvWatchEvent[]) => this.events.push(...events),
    onResync: (snapshot: KvSnapshot) => this.resyncs.push(snapshot),
    onError: (error: Error) => this.errors.push(error),
  };

  summary(): string[] {
    return this.events.map((e) => (e.type === 'put' ? `put ${e.key}=${JSON.stringify(e.value)}` : `delete ${e.key}`));
  }
}

kvStoreContract('EtcdKvStore', async (t) => {
  const etcd = await sharedEtcd(t);
  return etcd && openStore(t, etcd);
});

test('values are JSON under the store prefix, and nothing outside the prefix is listed', async (t) => {
  const etcd = await sharedEtcd(t);
  if (!etcd) return;
  const store = openStore(t, etcd);
  const neighbour = openStore(t, etcd);
  await store.txn({ puts: [{ key: 'net/blue', value: { subnet: '10.1.0.0/24' } }] });
  await neighbour.txn({ puts: [{ key: 'net/red', value: { subnet: '10.2.0.0/24' } }] });
  await etcd.ctl('put', `${store.prefix}net/raw`, '"written by etcdctl"');
  await etcd.ctl('put', `${store.prefix.slice(0, -1)}x/net/outside`, '1'); // shares the prefix's text, not its path

  const raw = await etcd.ctl('get', `${store.prefix}net/blue`, '--print-value-only');
  assert.deepEqual(JSON.parse(raw), { subnet: '10.1.0.0/24' });
  assert.deepEqual(
    (await store.list('')).map((e) => [e.key, e.value]),
    [
      ['net/blue', { subnet: '10.1.0.0/24' }],
      ['net/raw', 'written by etcdctl'],
    ],
  );
  assert.deepEqual(
    (await neighbour.list('net/')).map((e) => e.key),
    ['net/red'],
  );
});

test('concurrent compare-and-swap from two clients: exactly one wins every race', async (t) => {
  const etcd = await sharedEtcd(t);
  if (!etcd) return;
  const a = openStore(t, etcd);
  const b = EtcdKvStore.open({ endpoints: [etcd.clientUrl], prefix: a.prefix });
  t.after(() => b.close());

  // Both claim the same free addresses at once: each address goes to exactly one of them.
  const claims = await Promise.all(
    Array.from({ length: 20 }, (_, i) => `ip/10.0.0.${i + 2}`).flatMap((key) =>
      [a, b].map(async (store, who) => ({
        key,
        who,
        won: (await store.txn({ compares: [{ key, revision: 0 }], puts: [{ key, value: who }] })).succeeded,
      })),
    ),
  );
  for (let i = 0; i < claims.length; i += 2) {
    const [first, second] = [claims[i]!, claims[i + 1]!];
    assert.equal(Number(first.won) + Number(second.won), 1, `${first.key} claimed once`);
    const winner = first.won ? first.who : second.who;
    assert.equal((await a.get(first.key))?.value, winner);
  }

  // Both bump one counter from the revision they read: no increment is lost.
  await a.txn({ puts: [{ key: 'counter', value: 0 }] });
  let increments = 0;
  for (let round = 0; round < 15; round++) {
    const results = await Promise.all(
      [a, b].map(async (store) => {
        const seen = (await a.get('counter'))!;
        return store.txn({
          compares: [{ key: 'counter', revision: seen.revision }],
          puts: [{ key: 'counter', value: (seen.value as number) + 1 }],
        });
      }),
    );
    const won = results.filter((r) => r.succeeded).length;
    assert.ok(won <= 1, 'two writers never both succeed from the same revision');
    increments += won;
  }
  assert.equal((await b.get('counter'))?.value, increments);
  assert.ok(increments >= 1);
});

test('a watch delivers puts and deletes in order, from the revision the caller has seen', async (t) => {
  const etcd = await sharedEtcd(t);
  if (!etcd) return;
  const store = openStore(t, etcd);
  await store.txn({ puts: [{ key: 'ep/1', value: 'before' }] });
  const seen = await store.snapshot('ep/');
  // Changes after the snapshot but before the watch starts come from etcd's history.
  await store.txn({ puts: [{ key: 'ep/2', value: 'two' }] });
  await store.txn({ puts: [{ key: 'ep/3', value: 'three' }], deletes: ['ep/1'] });

  const log = new WatchLog();
  const watch = store.watch('ep/', seen.revision, log.handlers);
  t.after(() => watch.close());
  await store.txn({ puts: [{ key: 'net/elsewhere', value: 0 }] });
  await store.txn({ puts: [{ key: 'ep/4', value: { n: 4 } }] });
  await store.txn({ deletes: ['ep/2'] });

  await until('five changes', () => log.events.length >= 5, 10_000);
  assert.deepEqual(log.summary(), [
    'put ep/2="two"',
    'put ep/3="three"',
    'delete ep/1',
    'put ep/4={"n":4}',
    'delete ep/2',
  ]);
  const revisions = log.events.map((e) => e.revision);
  assert.ok(revisions[0]! > seen.revision, 'nothing the caller had already seen');
  assert.equal(revisions[1], revisions[2], 'one transaction, one revision');
  assert.deepEqual(
    revisions,
    [...revisions].sort((x, y) => x - y),
  );
  assert.equal(revisions[4], (await store.snapshot('ep/')).revision);
  assert.ok(Object.isFrozen(log.events[3]!.value), 'watched values are shared read-only like listed ones');
  assert.deepEqual(log.resyncs, []);
});

test('a watch from a compacted revision re-lists once and then follows changes', async (t) => {
  const etcd = await sharedEtcd(t);
  if (!etcd) return;
  const store = openStore(t, etcd);
  const seen = await store.snapshot('host/');
  await store.txn({ puts: [{ key: 'host/a', value: 1 }] });
  await store.txn({ puts: [{ key: 'host/b', value: 2 }] });
  await store.txn({ deletes: ['host/a'] });
  const current = (await store.snapshot('host/')).revision;
  await etcd.ctl('compact', String(current));

  const log = new WatchLog();
  const watch = store.watch('host/', seen.revision, log.handlers);
  t.after(() => watch.close());
  await until('a resync', () => log.resyncs.length > 0, 10_000);
  const resync = log.resyncs[0]!;
  assert.deepEqual(
    resync.entries.map((e) => [e.key, e.value]),
    [['host/b', 2]],
  );
  assert.ok(resync.revision >= current);
  assert.equal(log.events.length, 0, 'no change is reported from the lost history');

  await store.txn({ puts: [{ key: 'host/c', value: 3 }] });
  await until('the change after the resync', () => log.events.length > 0, 10_000);
  assert.deepEqual(log.summary(), ['put host/c=3']);
  assert.ok(log.events[0]!.revision > resync.revision);
  assert.equal(log.resyncs.length, 1);
  assert.deepEqual(log.errors, []);
});

test('a leased key lives while the lease is renewed and vanishes when it expires', async (t) => {
  const etcd = await sharedEtcd(t);
  if (!etcd) return;
  const store = openStore(t, etcd);
  const lease = await store.grantLease(2);
  await lease.txn({
    compares: [{ key: 'hosts/h1', revision: 0 }],
    puts: [{ key: 'hosts/h1', value: { ip: '10.9.0.1' } }],
  });
  await new Promise((resolve) => setTimeout(resolve, 5_000)); // well past the TTL: renewals keep it
  assert.deepEqual((await store.get('hosts/h1'))?.value, { ip: '10.9.0.1' });

  const released = Date.now();
  lease.release(); // as if the host died
  await until('the liveness record to expire', async () => (await store.get('hosts/h1')) === undefined, 10_000);
  assert.ok(Date.now() - released < 6_000, 'gone within about one TTL');

  const revoked = await store.grantLease(30);
  await revoked.txn({ puts: [{ key: 'hosts/h2', value: {} }] });
  await revoked.revoke();
  assert.equal(await store.get('hosts/h2'), undefined, 'revoking removes the key at once');
});

const UNREACHABLE = /^the cluster store at http:\/\/127\.0\.0\.1:\d+ is unreachable: /;

async function rejectsUnavailableWithin(boundMs: number, call: () => Promise<unknown>, what: string): Promise<void> {
  const started = Date.now();
  await assert.rejects(call(), (error: unknown) => {
    assert.ok(isControllerError(error, 'UNAVAILABLE'), `${what}: ${String(error)}`);
    assert.match(error.message, UNREACHABLE, what);
    return true;
  });
  const took = Date.now() - started;
  assert.ok(took <= boundMs + 1_000, `${what} failed after ${took} ms, bound ${boundMs} ms`);
}

/** An etcd of the test's own and a store on it with a 2 s bound, holding k = 1, for outages. */
async function storeBeforeOutage(t: TestContext): Promise<{ etcd: Etcd; store: EtcdKvStore } | undefined> {
  const etcd = await ownEtcd(t);
  if (!etcd) return undefined;
  const store = openStore(t, etcd, { timeoutMs: 2_000 });
  await store.txn({ puts: [{ key: 'k', value: 1 }] });
  return { etcd, store };
}

test('with etcd stopped every call fails within the bound, naming the store as unreachable', async (t) => {
  const outage = await storeBeforeOutage(t);
  if (!outage) return;
  const { etcd, store } = outage;
  await etcd.stopKeepingData();
  await rejectsUnavailableWithin(2_000, () => store.get('k'), 'get');
  await rejectsUnavailableWithin(2_000, () => store.list(''), 'list');
  await rejectsUnavailableWithin(2_000, () => store.txn({ puts: [{ key: 'k', value: 2 }] }), 'txn');
  await rejectsUnavailableWithin(2_000, () => store.grantLease(15), 'grantLease');
});

test('with etcd hung (accepting, never answering) every call still fails within the bound', async (t) => {
  const outage = await storeBeforeOutage(t);
  if (!outage) return;
  const { etcd, store } = outage;
  etcd.freeze();
  await rejectsUnavailableWithin(2_000, () => store.get('k'), 'get');
  await rejectsUnavailableWithin(2_000, () => store.list(''), 'list');
  await assert.rejects(store.txn({ compares: [{ key: 'k', revision: 0 }], puts: [{ key: 'k', value: 2 }] }), {
    code: 'UNAVAILABLE',
    message: /is unreachable: .*may or may not have been applied/,
  });
  etcd.thaw();
});

test('with etcd hung, a request making several calls in a row fails within one bound, not one per call', async (t) => {
  const outage = await storeBeforeOutage(t);
  if (!outage) return;
  const { etcd, store } = outage;
  etcd.freeze();
  try {
    // A read that fails, then the write a request would make anyway, then one more read.
    const started = Date.now();
    const failures = await asRequest(async () => {
      const outcomes = [];
      outcomes.push(await store.get('k').catch((error: unknown) => error));
      outcomes.push(await store.txn({ puts: [{ key: 'k', value: 2 }] }).catch((error: unknown) => error));
      outcomes.push(await store.list('').catch((error: unknown) => error));
      return outcomes;
    });
    const took = Date.now() - started;
    for (const failure of failures) assert.ok(isControllerError(failure, 'UNAVAILABLE'), String(failure));
    // The bound, then LAST_CALL_MS for each later call at most, and the deadline's grace.
    assert.ok(took <= 2_000 + 2 * LAST_CALL_MS + 500, `three calls took ${took} ms, one bound is 2000 ms`);
    // Outside a request (the reconcilers' own calls) each call keeps its own bound.
    const alone = Date.now();
    await store.get('k').catch(() => undefined);
    assert.ok(Date.now() - alone >= 1_500, `a call outside any request gave up after ${Date.now() - alone} ms`);
  } finally {
    etcd.thaw();
  }
});

/**
 * A compare-and-swap whose connection is cut after it was sent, with either its answer or
 * the request itself lost on the way; the store is reached through a relay that loses them.
 */
async function cutMidTransaction(t: TestContext, lose: 'lose-answers' | 'lose-requests') {
  const etcd = await ownEtcd(t);
  if (!etcd) return undefined;
  const url = new URL(etcd.clientUrl);
  const proxy = await CuttingProxy.start(t, { host: url.hostname, port: Number(url.port) });
  const store = openStore(t, etcd, { endpoints: [proxy.url], timeoutMs: 5_000 });
  await store.txn({ puts: [{ key: 'pool', value: { next: 1 } }] });
  const pool = (await store.get('pool')) as KvEntry;
  proxy.mode = lose;
  const pending = store.txn({
    compares: [
      { key: 'addr/10.0.0.5', revision: 0 },
      { key: 'pool', revision: pool.revision },
    ],
    puts: [
      { key: 'addr/10.0.0.5', value: { endpoint: 'e1' } },
      { key: 'pool', value: { next: 2 } },
    ],
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  proxy.mode = 'pass';
  proxy.cutAll();
  return { store, result: await pending };
}

test('a transaction whose answer was lost with the connection is found applied, not reported as unknown', async (t) => {
  const cut = await cutMidTransaction(t, 'lose-answers');
  if (!cut) return;
  assert.equal(cut.result.succeeded, true);
  assert.deepEqual((await cut.store.get('addr/10.0.0.5'))?.value, { endpoint: 'e1' });
  assert.deepEqual((await cut.store.get('pool'))?.value, { next: 2 });
  assert.equal((await cut.store.get('pool'))?.revision, cut.result.revision, 'the revision it was written at');
});

test('a transaction lost with the connection before etcd saw it is sent again, once', async (t) => {
  const cut = await cutMidTransaction(t, 'lose-requests');
  if (!cut) return;
  assert.equal(cut.result.succeeded, true);
  assert.deepEqual((await cut.store.get('addr/10.0.0.5'))?.value, { endpoint: 'e1' });
  assert.deepEqual((await cut.store.get('pool'))?.value, { next: 2 });
});

test('after etcd restarts, calls and watches work again without reopening the store', async (t) => {
  const etcd = await ownEtcd(t);
  if (!etcd) return;
  const store = openStore(t, etcd, { timeoutMs: 2_000 });
  const seen = await store.snapshot('net/');
  const log = new WatchLog();
  const watch = store.watch('net/', seen.revision, log.handlers);
  t.after(() => watch.close());
  await store.txn({ puts: [{ key: 'net/a', value: 'before' }] });
  await until('the change before the outage', () => log.events.length === 1, 10_000);

  await etcd.stopKeepingData();
  await rejectsUnavailableWithin(2_000, () => store.get('net/a'), 'get while stopped');
  await etcd.restart();

  await until(
    'calls to succeed again',
    () =>
      store.get('net/a').then(
        (entry) => entry?.value === 'before',
        () => false,
      ),
    10_000,
  );
  assert.equal((await store.txn({ puts: [{ key: 'net/b', value: 'after' }] })).succeeded, true);
  await until('the change after the outage', () => log.events.length >= 2, 10_000);
  assert.deepEqual(log.summary(), ['put net/a="before"', 'put net/b="after"'], 'each change exactly once');
  assert.deepEqual(log.resyncs, []);
  assert.deepEqual(log.errors, []);
});

test('a watch cut off while catching up on history resumes right after the last change it delivered', async (t) => {
  const etcd = await ownEtcd(t);
  if (!etcd) return;
  const store = openStore(t, etcd);
  const seen = await store.snapshot('ep/');
  // etcd replays old history in batches of 1000 revisions, 100 ms apart.
  const changes = 2_500;
  for (let i = 0; i < changes; i += 250)
    await Promise.all(
      Array.from({ length: 250 }, (_, j) => store.txn({ puts: [{ key: `ep/${i + j}`, value: i + j }] })),
    );

  let cut = false;
  const log = new WatchLog();
  const watch = store.watch('ep/', seen.revision, {
    ...log.handlers,
    onEvents: (events) => {
      log.handlers.onEvents(events);
      if (!cut) etcd.freeze(); // at once, before the next batch
      cut = true;
    },
  });
  t.after(() => watch.close());
  await until('the first batch', () => cut, 10_000);
  const delivered = log.events.length;
  assert.ok(delivered < changes, 'the history came in more than one batch');
  await etcd.stopKeepingData();
  await etcd.restart();

  await until('every change', () => log.events.length >= changes, 20_000);
  const revisions = log.events.map((e) => e.revision);
  assert.equal(revisions.length, changes, 'each change exactly once');
  assert.equal(new Set(revisions).size, changes);
  assert.deepEqual(
    revisions,
    [...revisions].sort((x, y) => x - y),
  );
  assert.deepEqual(log.resyncs, []);
});

test('TLS: a client certificate from the etcd CA is served, one from another CA is refused', async (t) => {
  if (!requireBinaries(t, [...ETCD_BINARIES, 'openssl'])) return;
  const dir = makeRunDir('pki');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pki = await makeTestPki(dir);
  const etcd = await Etcd.start({ pki });
  t.after(() => etcd.stop());
  assert.match(etcd.clientUrl, /^https:/);

  const store = openStore(t, etcd, { tls: { caFile: pki.ca, certFile: pki.client.cert, keyFile: pki.client.key } });
  await store.txn({ puts: [{ key: 'k', value: 'over TLS' }] });
  assert.equal((await store.get('k'))?.value, 'over TLS');

  const stranger = openStore(t, etcd, {
    tls: { caFile: pki.ca, certFile: pki.stranger.cert, keyFile: pki.stranger.key },
    timeoutMs: 2_000,
  });
  await assert.rejects(stranger.get('k'), { code: 'UNAVAILABLE' });
});

test('user and password: a user confined to the store prefix works; a wrong password or prefix is refused', async (t) => {
  const etcd = await ownEtcd(t);
  if (!etcd) return;
  for (const args of [
    ['user', 'add', 'root:root-secret'],
    ['user', 'grant-role', 'root', 'root'],
    ['role', 'add', 'ovsnet'],
    ['role', 'grant-permission', 'ovsnet', '--prefix=true', 'readwrite', '/ovsnet-auth/'],
    ['user', 'add', 'ovsnet:ovsnet-secret'],
    ['user', 'grant-role', 'ovsnet', 'ovsnet'],
    ['auth', 'enable'],
  ])
    await etcd.ctl(...args);
  const as = (password: string, prefix = '/ovsnet-auth'): EtcdKvStore =>
    openStore(t, etcd, { prefix, user: 'ovsnet', password, timeoutMs: 5_000 });

  const store = as('ovsnet-secret');
  const seen = await store.snapshot('');
  const log = new WatchLog();
  const watch = store.watch('', seen.revision, log.handlers);
  t.after(() => watch.close());
  assert.equal(
    (await store.txn({ compares: [{ key: 'k', revision: 0 }], puts: [{ key: 'k', value: 1 }] })).succeeded,
    true,
  );
  assert.equal((await store.get('k'))?.value, 1);
  await until('the watched change', () => log.events.length === 1, 10_000);

  const started = Date.now();
  await assert.rejects(as('wrong').get('k'), {
    code: 'UNAVAILABLE',
    message: /refused access: .*authentication failed/,
  });
  assert.ok(Date.now() - started < 2_000, 'a refusal is final: no retrying until the bound');
  const outsider = as('ovsnet-secret', '/elsewhere');
  await assert.rejects(outsider.get('k'), { code: 'UNAVAILABLE', message: /refused access: .*permission denied/ });
  const refused = new WatchLog();
  const refusedWatch = outsider.watch('', 0, refused.handlers);
  t.after(() => refusedWatch.close());
  await until('the watch to be refused', () => refused.errors.length > 0, 10_000);
  assert.match(refused.errors[0]!.message, /refused access: .*permission denied/, 'reported once, not retried');
});
