// A host's liveness record: written under a lease, refused when another live host holds the
// id, and written again under a new lease once a lost one can be replaced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostMembership, type MembershipOptions } from '../../../controller/cluster/membership';
import { keys, type HostRecord } from '../../../controller/cnm/records';
import { ControllerError } from '../../../controller/errors';
import { silentLogger } from '../../../controller/log';
import { FileKvStore } from '../../../controller/store/file-store';
import type { KvEntry, KvLease, KvTxn, KvTxnResult, LeasingKvStore } from '../../../controller/store/kv';
import { FakeClock } from '../../harness/fake-clock';

/** A real file store whose leases are in the test's hands: it expires them, or refuses new ones. */
class LeasingFileStore implements LeasingKvStore {
  readonly leases: TestLease[] = [];
  /** Thrown by grantLease while set (the store is out of reach). */
  refuseGrants: Error | undefined;

  constructor(readonly inner: FileKvStore) {}

  get(key: string): Promise<KvEntry | undefined> {
    return this.inner.get(key);
  }
  list(prefix: string): Promise<KvEntry[]> {
    return this.inner.list(prefix);
  }
  txn(txn: KvTxn): Promise<KvTxnResult> {
    return this.inner.txn(txn);
  }
  current(): Promise<void> {
    return this.inner.current();
  }
  close(): Promise<void> {
    return this.inner.close();
  }

  grantLease(ttlSeconds: number): Promise<KvLease> {
    if (this.refuseGrants) return Promise.reject(this.refuseGrants);
    const lease = new TestLease(this, String(this.leases.length + 1), ttlSeconds);
    this.leases.push(lease);
    return Promise.resolve(lease);
  }
}

class TestLease implements KvLease {
  readonly keys = new Set<string>();
  released = false;
  private lost: Array<(error: Error) => void> = [];
  private renewals: Array<(renewed: boolean, error?: Error) => void> = [];

  constructor(
    private readonly store: LeasingFileStore,
    readonly id: string,
    readonly ttlSeconds: number,
  ) {}

  async txn(txn: KvTxn): Promise<KvTxnResult> {
    const result = await this.store.inner.txn(txn);
    if (result.succeeded) for (const put of txn.puts ?? []) this.keys.add(put.key);
    return result;
  }
  onLost(listener: (error: Error) => void): void {
    this.lost.push(listener);
  }
  onRenewal(listener: (renewed: boolean, error?: Error) => void): void {
    this.renewals.push(listener);
  }
  renewal(renewed: boolean): void {
    for (const listener of this.renewals) listener(renewed, renewed ? undefined : new Error('no answer'));
  }
  /** The store let the lease expire: its keys go, and the holder is told. */
  async expire(): Promise<void> {
    await this.store.inner.txn({ deletes: [...this.keys] });
    for (const listener of this.lost.splice(0)) listener(new Error('lease expired'));
  }
  revoke(): Promise<void> {
    return this.expire();
  }
  release(): void {
    this.released = true;
  }
}

function setup(t: { after(fn: () => unknown): void }): {
  store: LeasingFileStore;
  clock: FakeClock;
  reachability: string[];
  options: (hostId: string, tunnelIp: string) => MembershipOptions;
} {
  const dir = mkdtempSync(join(tmpdir(), 'ovsnet-membership-'));
  const store = new LeasingFileStore(FileKvStore.open(dir));
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const clock = new FakeClock();
  const reachability: string[] = [];
  return {
    store,
    clock,
    reachability,
    options: (hostId, tunnelIp) => ({
      store,
      hostId,
      tunnelIp,
      ttlSeconds: 15,
      clock,
      logger: silentLogger,
      onReachability: (reachable) => reachability.push(reachable ? 'yes' : 'no'),
    }),
  };
}

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));

test('a host is registered under its lease with its tunnel address', async (t) => {
  const { store, options, reachability } = setup(t);
  const membership = await HostMembership.join(options('h1', '192.0.2.1'));
  const entry = await store.get(keys.host('h1'));
  assert.deepEqual(entry?.value, { id: 'h1', tunnelIp: '192.0.2.1', since: new Date(0).toISOString() });
  assert.deepEqual([...(store.leases[0]?.keys ?? [])], [keys.host('h1')], 'written through the lease');
  assert.deepEqual(reachability, ['yes']);
  membership.stop();
  assert.equal(store.leases[0]?.released, true, 'a stopped daemon lets its record expire by the TTL');
});

test('an id held by another live host is refused; the same host restarting takes its record back', async (t) => {
  const { store, options } = setup(t);
  const first = await HostMembership.join(options('h1', '192.0.2.1'));
  await assert.rejects(
    HostMembership.join(options('h1', '192.0.2.99')),
    (error: unknown) =>
      error instanceof ControllerError &&
      error.code === 'CONFLICT' &&
      /host id "h1" is held by a live host with tunnel address 192\.0\.2\.1/.test(error.message),
  );
  assert.equal(store.leases[1]?.released, true, 'the refused lease is let go');
  first.stop();
  const again = await HostMembership.join(options('h1', '192.0.2.1'));
  assert.deepEqual([...(store.leases[2]?.keys ?? [])], [keys.host('h1')], 'the record is under the new lease');
  again.stop();
});

test('a lost lease is replaced once the store grants one again, and reachability follows', async (t) => {
  const { store, clock, options, reachability } = setup(t);
  const membership = await HostMembership.join(options('h1', '192.0.2.1'));
  store.leases[0]?.renewal(false);
  store.leases[0]?.renewal(true);
  store.refuseGrants = new Error('the cluster store is unreachable');
  await store.leases[0]?.expire();
  assert.equal(await store.get(keys.host('h1')), undefined, 'the record expired with the lease');
  assert.equal(membership.record, undefined);
  await clock.advanceAsync(1_000, settle);
  assert.equal(await store.get(keys.host('h1')), undefined, 'no lease to be had yet');
  store.refuseGrants = undefined;
  await clock.advanceAsync(10_000, settle);
  assert.equal(((await store.get(keys.host('h1')))?.value as { id: string }).id, 'h1', 'registered again');
  assert.equal((membership.record as HostRecord | undefined)?.tunnelIp, '192.0.2.1', 'the record is back');
  assert.deepEqual(reachability, ['yes', 'no', 'yes', 'no', 'yes']);
  membership.stop();
});
