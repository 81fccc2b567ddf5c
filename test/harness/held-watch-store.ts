// A cluster store in memory whose watch delivers only when the test says so: for unit tests
// of what reads through a watch-fed copy (store/cluster-mirror.ts) do while the watch is late.
// Transactions follow etcd's rules (one revision per transaction, compares by revision,
// 0 = absent); values are stored as given (the mirror freezes its own copies).
import type {
  ClusterKvStore,
  KvEntry,
  KvLease,
  KvSnapshot,
  KvTxn,
  KvTxnResult,
  KvWatch,
  KvWatchEvent,
  KvWatchHandlers,
} from '../../controller/store/kv';

export class HeldWatchStore implements ClusterKvStore {
  private readonly entries = new Map<string, KvEntry>();
  private latest = 0;
  private readonly held: KvWatchEvent[] = [];
  private readonly watchers = new Set<KvWatchHandlers>();
  /** Point reads made (a mirror should make them only to refresh after a failed compare). */
  gets = 0;

  get(key: string): Promise<KvEntry | undefined> {
    this.gets++;
    return Promise.resolve(this.entries.get(key));
  }

  list(prefix: string): Promise<KvEntry[]> {
    return Promise.resolve(
      [...this.entries.values()].filter((e) => e.key.startsWith(prefix)).sort((a, b) => (a.key < b.key ? -1 : 1)),
    );
  }

  async snapshot(prefix: string): Promise<KvSnapshot> {
    return { entries: await this.list(prefix), revision: this.latest };
  }

  txn(txn: KvTxn): Promise<KvTxnResult> {
    const holds = (txn.compares ?? []).every((c) => (this.entries.get(c.key)?.revision ?? 0) === c.revision);
    if (!holds) return Promise.resolve({ succeeded: false, revision: this.latest });
    const revision = ++this.latest;
    const last = new Map<string, unknown>();
    for (const put of txn.puts ?? []) last.set(put.key, put.value);
    for (const key of txn.deletes ?? []) last.delete(key);
    for (const [key, value] of last) {
      this.entries.set(key, { key, value, revision });
      this.held.push({ type: 'put', key, value, revision });
    }
    for (const key of new Set(txn.deletes ?? []))
      if (this.entries.delete(key)) this.held.push({ type: 'delete', key, revision });
    return Promise.resolve({ succeeded: true, revision });
  }

  watch(_prefix: string, _seen: number, handlers: KvWatchHandlers): KvWatch {
    this.watchers.add(handlers);
    return { close: () => Promise.resolve(void this.watchers.delete(handlers)) };
  }

  /** Delivers every change held so far, in order. */
  release(): void {
    const events = this.held.splice(0);
    if (events.length > 0) for (const w of this.watchers) w.onEvents(events);
  }

  grantLease(): Promise<KvLease> {
    return Promise.reject(new Error('no leases in this store'));
  }

  current(): Promise<void> {
    return Promise.resolve();
  }

  revision(): Promise<number> {
    return Promise.resolve(this.latest);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
