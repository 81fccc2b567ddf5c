// The cluster store as the controller reads it: an in-memory copy of every key under the
// cluster's prefix, kept current by one etcd watch, with writes going straight to etcd.
// A reconcile pass reads the whole model (networks, endpoints, hosts, rules); asking etcd
// for it on every pass made each pass cost a dozen round trips and put the hosts' load on
// etcd, while a watch already brings every change here within milliseconds.
//
// What readers can rely on:
// - Their own writes: a committed transaction is applied to the copy before txn() returns,
//   so the next read sees it (read-your-writes), ahead of the watch that confirms it.
// - Per key, never going back: a change is applied only if it is newer (etcd revision) than
//   what the copy holds for that key, deletions included (kept as tombstones until the watch
//   has passed them), so a late watch event cannot undo a newer write.
// - Compare-and-swap stays exact: etcd checks every compare. When one fails, the compared
//   keys are read again from etcd into the copy, so the caller's retry works on fresh values
//   instead of spinning on the stale ones.
// - Outages: reads keep answering from the copy (containers keep working); writes fail as
//   the etcd store reports. If the watch stops for good, reads go to etcd directly.
import type { Logger } from '../log';
import { ControllerError } from '../errors';
import { decodeValue, encodeValue } from './etcd-keys';
import type { ClusterKvStore, KvEntry, KvSnapshot, KvTxn, KvTxnResult, KvWatch, KvWatchEvent } from './kv';

/** A deleted key, remembered with the revision of its deletion. */
type Slot = KvEntry | { key: string; revision: number; deleted: true };

/** How long a retry after a failed compare waits for the watch to bring the winner's writes. */
const CATCH_UP_MS = 2_000;

const isDeleted = (slot: Slot): slot is { key: string; revision: number; deleted: true } => 'deleted' in slot;

/**
 * Told of a batch of changes once the copy holds them. `echo`: every change of the batch
 * was this host's own, applied when its transaction returned, so the copy did not change.
 */
export type ChangeListener = (events: KvWatchEvent[], echo: boolean) => void;

export class ClusterMirror {
  private readonly slots = new Map<string, Slot>();
  private readonly tombstones = new Set<string>();
  /** The keys of `slots` in order, kept sorted as keys come and go (lists read it in every pass). */
  private sortedKeys: string[] = [];
  /** Every change up to this revision has come through the watch (or the first listing). */
  private watched = 0;
  private watch: KvWatch | undefined;
  private broken = false;
  private readonly listeners = new Set<ChangeListener>();
  private readonly waiters = new Set<{ revision: number; done: () => void }>();

  private constructor(
    readonly store: ClusterKvStore,
    private readonly logger: Logger,
  ) {}

  /** Lists the whole prefix once and follows it; fails like the store when etcd is unreachable. */
  static async open(store: ClusterKvStore, logger: Logger): Promise<ClusterMirror> {
    const mirror = new ClusterMirror(store, logger);
    const first = await store.snapshot('');
    mirror.replace(first);
    mirror.watch = store.watch('', first.revision, {
      onEvents: (events) => mirror.apply(events),
      onResync: (snapshot) => {
        mirror.replace(snapshot);
        mirror.wake();
        mirror.tell([], false);
      },
      onError: (error) => {
        mirror.broken = true;
        mirror.wake();
        logger.error({ err: error }, 'cluster store: the watch stopped for good; reading etcd directly');
        mirror.tell([], false);
      },
    });
    return mirror;
  }

  /**
   * Calls `listener` after each batch of changes made anywhere in the cluster has been
   * applied (an empty batch: the copy was replaced wholesale). Returns the unsubscribe.
   */
  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(key: string): Promise<KvEntry | undefined> {
    if (this.broken) return this.store.get(key);
    const slot = this.slots.get(key);
    return Promise.resolve(slot === undefined || isDeleted(slot) ? undefined : slot);
  }

  list(prefix: string): Promise<KvEntry[]> {
    if (this.broken) return this.store.list(prefix);
    const keys = this.sortedKeys;
    const entries: KvEntry[] = [];
    for (let i = lowerBound(keys, prefix); i < keys.length && keys[i]!.startsWith(prefix); i++) {
      const slot = this.slots.get(keys[i]!);
      if (slot !== undefined && !isDeleted(slot)) entries.push(slot);
    }
    return Promise.resolve(entries);
  }

  async txn(txn: KvTxn): Promise<KvTxnResult> {
    const result = await this.store.txn(txn);
    if (result.succeeded) this.applyOwn(txn, result.revision);
    else
      await this.refresh(
        (txn.compares ?? []).map((c) => c.key),
        result.revision,
      );
    return result;
  }

  /**
   * Resolves once the copy holds everything etcd had applied when this was called: etcd's
   * revision, then the watch up to it. A write whose answer was lost in an outage shows here
   * (or is known never to have been applied) once this resolves.
   */
  async current(): Promise<void> {
    const revision = await this.store.revision();
    await this.caughtUp(revision, CATCH_UP_MS);
    if (this.watched < revision && !this.broken)
      throw new ControllerError(
        'UNAVAILABLE',
        `the cluster store's changes up to revision ${revision} have not reached this host within ${CATCH_UP_MS} ms`,
        { unreachable: true },
      );
  }

  async close(): Promise<void> {
    this.listeners.clear();
    for (const waiter of this.waiters) waiter.done();
    await this.watch?.close();
    await this.store.close();
  }

  /** The revision up to which every change has come through the watch. */
  get watchedRevision(): number {
    return this.watched;
  }

  private apply(events: KvWatchEvent[]): void {
    let changed = false;
    for (const event of events) {
      const put = this.put(
        event.type === 'put'
          ? { key: event.key, value: event.value, revision: event.revision }
          : { key: event.key, revision: event.revision, deleted: true },
      );
      changed ||= put;
      this.watched = Math.max(this.watched, event.revision);
    }
    this.forgetTombstones();
    this.wake();
    this.tell(events, events.length > 0 && !changed);
  }

  /** A committed transaction of this host, written as the watch will report it. */
  private applyOwn(txn: KvTxn, revision: number): void {
    // As etcd applied it: the last put of a key wins, a delete beats puts, and the value
    // read back is a frozen copy of what was stored (JSON), never the caller's object.
    const last = new Map<string, unknown>();
    for (const put of txn.puts ?? []) last.set(put.key, put.value);
    for (const key of txn.deletes ?? []) last.delete(key);
    for (const [key, value] of last) this.put({ key, value: decodeValue(key, encodeValue(key, value)), revision });
    for (const key of new Set(txn.deletes ?? [])) this.put({ key, revision, deleted: true });
  }

  /**
   * Reads the keys a failed compare named, so the caller's retry sees them as etcd has them,
   * and waits (briefly) for the watch to bring the rest of the transactions that wrote them:
   * a compare often guards more than its own key (a serial number guards a listing), and the
   * retry must read that listing as the winner left it.
   */
  private async refresh(keys: string[], revision: number): Promise<void> {
    const written = await Promise.all(
      [...new Set(keys)].map(async (key) => {
        const entry = await this.store.get(key);
        // Absent now: gone since at most the failed transaction's revision.
        this.put(entry ?? { key, revision, deleted: true });
        return entry?.revision ?? 0;
      }),
    );
    await this.caughtUp(Math.max(0, ...written), CATCH_UP_MS);
  }

  /** Resolves once the watch has delivered `revision`, or after `ms` (it is then late). */
  private caughtUp(revision: number, ms: number): Promise<void> {
    if (this.watched >= revision || this.broken) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = { revision, done: (): void => undefined };
      const timer = setTimeout(() => waiter.done(), ms);
      waiter.done = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve();
      };
      this.waiters.add(waiter);
    });
  }

  /** Holds `slot` unless the copy has the key at its revision or a newer one; says whether it did. */
  private put(slot: Slot): boolean {
    const held = this.slots.get(slot.key);
    if (held !== undefined && held.revision >= slot.revision) return false;
    if (held === undefined) this.sortedKeys.splice(lowerBound(this.sortedKeys, slot.key), 0, slot.key);
    this.slots.set(slot.key, slot);
    if (isDeleted(slot)) this.tombstones.add(slot.key);
    else this.tombstones.delete(slot.key);
    return true;
  }

  private replace(snapshot: KvSnapshot): void {
    // Writes of this host newer than the listing stay; everything else is the listing's.
    const newer = [...this.slots.values()].filter((s) => s.revision > snapshot.revision);
    this.slots.clear();
    this.tombstones.clear();
    for (const entry of snapshot.entries) this.slots.set(entry.key, entry);
    this.sortedKeys = [...this.slots.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const slot of newer) this.put(slot);
    this.watched = snapshot.revision;
  }

  /** A tombstone the watch has passed can no longer be overtaken by an older event. */
  private forgetTombstones(): void {
    for (const key of this.tombstones) {
      const slot = this.slots.get(key);
      if (slot !== undefined && slot.revision > this.watched) continue;
      this.slots.delete(key);
      this.tombstones.delete(key);
      this.sortedKeys.splice(lowerBound(this.sortedKeys, key), 1);
    }
  }

  private wake(): void {
    for (const waiter of this.waiters) if (this.broken || waiter.revision <= this.watched) waiter.done();
  }

  private tell(events: KvWatchEvent[], echo: boolean): void {
    for (const listener of this.listeners) {
      try {
        listener(events, echo);
      } catch (error) {
        this.logger.error({ err: error }, 'cluster store: a change listener failed');
      }
    }
  }
}

/** Index of the first key not less than `prefix` in sorted `keys`. */
function lowerBound(keys: readonly string[], prefix: string): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (keys[middle]! < prefix) low = middle + 1;
    else high = middle;
  }
  return low;
}
