// The cluster store: the controller's KvStore on etcd v3, for several hosts sharing one state.
// Each KvStore notion maps onto etcd's own: a key's revision is its mod_revision, "absent" is
// create_revision 0, a transaction is an etcd Txn, and the store revision is etcd's. Values
// are JSON under a root prefix, handed out deeply frozen like FileKvStore's.
import { Etcd3, type IRequestOp, type ICompare, type Watcher } from 'etcd3';
import type { ClusterKvStore, KvEntry, KvLease, KvSnapshot, KvTxn, KvTxnResult, KvWatch, KvWatchHandlers } from './kv';
import { invalid } from '../errors';
import { BoundedCalls, isOutcomeUnknown } from './etcd-calls';
import { settleUnknownTxn, type ReadBack, type Settled } from './etcd-settle';
import { EtcdKeyspace, byKey, encodeValue } from './etcd-keys';
import { EtcdLease } from './etcd-lease';
import { DEFAULT_ETCD_PREFIX, DEFAULT_ETCD_TIMEOUT_MS, etcdClientOptions, type EtcdStoreOptions } from './etcd-options';
import { EtcdPrefixWatch } from './etcd-watch';

const COMPACTED = 'required revision has been compacted';

/**
 * etcd refuses a transaction that touches one key twice; FileKvStore applies the puts in
 * order and then the deletes, so only the last word on each key is sent.
 */
function lastWords(txn: KvTxn): Map<string, { value: unknown } | 'delete'> {
  const last = new Map<string, { value: unknown } | 'delete'>();
  for (const put of txn.puts ?? []) last.set(put.key, { value: put.value });
  for (const key of txn.deletes ?? []) last.set(key, 'delete');
  return last;
}
const FUTURE = 'required revision is a future revision';

export class EtcdKvStore implements ClusterKvStore {
  private readonly client: Etcd3;
  private readonly keyspace: EtcdKeyspace;
  private readonly calls: BoundedCalls;
  private readonly watches = new Set<EtcdPrefixWatch>();
  private readonly leases = new Set<EtcdLease>();
  private closed = false;

  private constructor(options: EtcdStoreOptions) {
    const timeoutMs = options.timeoutMs ?? DEFAULT_ETCD_TIMEOUT_MS;
    this.client = new Etcd3(etcdClientOptions(options, timeoutMs));
    this.keyspace = new EtcdKeyspace(options.prefix ?? DEFAULT_ETCD_PREFIX);
    this.calls = new BoundedCalls(options.endpoints, timeoutMs);
  }

  /** Connects lazily: an unreachable etcd shows up in the first call, within its bound. */
  static open(options: EtcdStoreOptions): EtcdKvStore {
    return new EtcdKvStore(options);
  }

  get prefix(): string {
    return this.keyspace.root;
  }

  async get(key: string): Promise<KvEntry | undefined> {
    this.assertOpen();
    const response = await this.calls.run('idempotent', (options) =>
      this.client.kv.range({ key: this.keyspace.key(key) }, options),
    );
    const kv = response.kvs[0];
    return kv === undefined ? undefined : this.keyspace.entry(kv);
  }

  async list(prefix: string): Promise<KvEntry[]> {
    return (await this.snapshot(prefix)).entries;
  }

  async snapshot(prefix: string): Promise<KvSnapshot> {
    this.assertOpen();
    const response = await this.calls.run('idempotent', (options) =>
      this.client.kv.range(this.keyspace.range(prefix), options),
    );
    const entries = response.kvs.map((kv) => this.keyspace.entry(kv)).sort(byKey);
    return { entries, revision: Number(response.header.revision) };
  }

  async revision(): Promise<number> {
    this.assertOpen();
    const response = await this.calls.run('idempotent', (options) =>
      this.client.kv.range({ ...this.keyspace.range(''), limit: 1, keys_only: true }, options),
    );
    return Number(response.header.revision);
  }

  /** Reads go to etcd itself: current once etcd answers. */
  async current(): Promise<void> {
    await this.revision();
  }

  txn(txn: KvTxn): Promise<KvTxnResult> {
    return this.txnWithLease(txn, undefined);
  }

  private async txnWithLease(txn: KvTxn, leaseId: string | undefined): Promise<KvTxnResult> {
    this.assertOpen();
    const words = lastWords(txn);
    const request = {
      compare: (txn.compares ?? []).map((c) => this.compare(c.key, c.revision)),
      success: this.writes(words, leaseId),
    };
    // One bound for the transaction, however many times it has to be sent and checked.
    const deadline = this.calls.deadline();
    for (;;) {
      try {
        const response = await this.calls.run('write', (options) => this.client.kv.txn(request, options), deadline);
        return { succeeded: response.succeeded, revision: Number(response.header.revision) };
      } catch (error) {
        if (!isOutcomeUnknown(error)) throw error;
        const settled = await this.settle(txn, words, deadline).catch(() => undefined);
        if (settled === undefined) throw error;
        if (settled.outcome === 'applied') return { succeeded: true, revision: settled.revision };
        if (settled.outcome === 'superseded') return { succeeded: false, revision: settled.storeRevision };
      }
    }
  }

  /** Reads back what an unknown-outcome transaction touched and judges it (etcd-settle.ts). */
  private async settle(
    txn: KvTxn,
    words: ReadonlyMap<string, { value: unknown } | 'delete'>,
    deadline: number,
  ): Promise<Settled & { storeRevision: number }> {
    const keys = [...new Set([...words.keys(), ...(txn.compares ?? []).map((c) => c.key)])];
    const response = await this.calls.run(
      'idempotent',
      (options) =>
        this.client.kv.txn(
          { compare: [], success: keys.map((key) => ({ request_range: { key: this.keyspace.key(key) } })) },
          options,
        ),
      deadline,
    );
    const read = new Map<string, ReadBack>();
    keys.forEach((key, i) => {
      const kv = response.responses[i]?.response_range?.kvs[0];
      read.set(key, kv ? { value: kv.value, modRevision: Number(kv.mod_revision) } : undefined);
    });
    const written = new Map<string, Buffer | 'delete'>();
    for (const [key, word] of words) written.set(key, word === 'delete' ? 'delete' : encodeValue(key, word.value));
    const storeRevision = Number(response.header.revision);
    return {
      ...settleUnknownTxn({ writes: written, compares: txn.compares ?? [] }, read, storeRevision),
      storeRevision,
    };
  }

  private compare(key: string, revision: number): ICompare {
    return revision === 0
      ? { key: this.keyspace.key(key), target: 'Create', result: 'Equal', create_revision: 0 }
      : { key: this.keyspace.key(key), target: 'Mod', result: 'Equal', mod_revision: revision };
  }

  private writes(last: ReadonlyMap<string, { value: unknown } | 'delete'>, leaseId: string | undefined): IRequestOp[] {
    return [...last].map(([key, write]) =>
      write === 'delete'
        ? { request_delete_range: { key: this.keyspace.key(key) } }
        : {
            request_put: {
              key: this.keyspace.key(key),
              value: encodeValue(key, write.value),
              ...(leaseId !== undefined ? { lease: leaseId } : {}),
            },
          },
    );
  }

  watch(prefix: string, seenRevision: number, handlers: KvWatchHandlers): KvWatch {
    this.assertOpen();
    const watch: EtcdPrefixWatch = new EtcdPrefixWatch(
      {
        keyspace: this.keyspace,
        openWatcher: (range, startRevision) => this.openWatcher(range, startRevision),
        snapshot: (p) => this.snapshot(p),
        historyCompacted: (revision) => this.historyCompacted(revision),
        retryMs: 1_000,
      },
      prefix,
      seenRevision,
      handlers,
      () => this.watches.delete(watch),
    );
    this.watches.add(watch);
    return watch;
  }

  private openWatcher(range: { key: Buffer; range_end: Buffer }, startRevision: number): Watcher {
    return this.client
      .watch()
      .inRange({ start: range.key, end: range.range_end })
      .startRevision(String(startRevision))
      .watcher();
  }

  private historyCompacted(revision: number): Promise<boolean> {
    return this.calls.run('idempotent', async (options) => {
      try {
        await this.client.kv.range({ ...this.keyspace.range(''), revision, limit: 1, keys_only: true }, options);
        return false;
      } catch (error) {
        const message = (error as Error).message;
        if (message.includes(COMPACTED)) return true;
        if (message.includes(FUTURE)) return false;
        throw error;
      }
    });
  }

  async grantLease(ttlSeconds: number): Promise<KvLease> {
    this.assertOpen();
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1)
      throw invalid(`a lease TTL is a whole number of seconds, at least 1 (got ${ttlSeconds})`);
    // A grant whose answer was lost leaves an unused lease that expires on its own: retry.
    const lease = await this.calls.run('idempotent', async (options) => {
      const attempt = this.client.lease(ttlSeconds, { deadline: options.deadline });
      attempt.on('lost', () => undefined); // a failed grant is reported by grant() below
      try {
        return { attempt, id: await attempt.grant() };
      } catch (error) {
        attempt.release();
        throw error;
      }
    });
    const granted = new EtcdLease(lease.attempt, lease.id, ttlSeconds, {
      calls: this.calls,
      txn: (txn, leaseId) => this.txnWithLease(txn, leaseId),
      forget: (l) => this.leases.delete(l),
    });
    this.leases.add(granted);
    return granted;
  }

  /** Stops watches and lease renewals (leases then expire by their TTL) and disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.watches].map((w) => w.close()));
    for (const lease of [...this.leases]) lease.release();
    this.client.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('store is closed');
  }
}
