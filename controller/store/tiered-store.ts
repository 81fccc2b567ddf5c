// One KvStore over two: the cluster store (etcd), which every host shares, and the host's own
// store, routed by key prefix (the prefixes are declared in cnm/records.ts). A transaction
// within one store is that store's atomic transaction. One that spans both cannot be atomic,
// so it runs in three steps that never leave the cluster store pointing at something this host
// does not hold:
//   1. the local claims (puts) commit, with the local compares, pinned to what they replace;
//   2. the cluster part commits with its compares; if they fail, step 1 is undone (the
//      previous values restored) and the transaction reports failure, so the caller's
//      compare-and-swap loop runs again on fresh state;
//   3. the local releases (deletes, and puts of release records such as links to remove)
//      commit.
// A crash (or an answer lost in an outage) between the steps leaves only local claims whose
// owner the cluster store does not have: cnm/local-claims.ts sweeps those at start and
// periodically, skipping the keys of transactions still in flight here (`pendingLocalKeys`).
import { isControllerError } from '../errors';
import type { KvCompare, KvEntry, KvStore, KvTxn, KvTxnResult } from './kv';

export interface TieredKvStoreOptions {
  /** Keys under these prefixes live in the cluster store, all others in the local one. */
  clusterPrefixes: readonly string[];
  /** Local keys whose puts record a release and so belong to step 3 (see above). */
  releasePrefixes: readonly string[];
}

type Put = { key: string; value: unknown };

interface Split {
  cluster: KvTxn;
  localCompares: KvCompare[];
  claims: Put[];
  releasePuts: Put[];
  releaseDeletes: string[];
}

export class TieredKvStore implements KvStore {
  /** Local keys written by cross-store transactions that have not finished, with a count each. */
  private readonly pending = new Map<string, number>();

  constructor(
    readonly local: KvStore,
    readonly cluster: KvStore,
    private readonly options: TieredKvStoreOptions,
  ) {}

  isClusterKey(key: string): boolean {
    return this.options.clusterPrefixes.some((prefix) => key.startsWith(prefix));
  }

  /** Local keys a cross-store transaction is writing right now. */
  pendingLocalKeys(): ReadonlySet<string> {
    return new Set(this.pending.keys());
  }

  get(key: string): Promise<KvEntry | undefined> {
    return this.isClusterKey(key) ? this.cluster.get(key) : this.local.get(key);
  }

  async list(prefix: string): Promise<KvEntry[]> {
    if (this.isClusterKey(prefix)) return this.cluster.list(prefix);
    const reachesCluster = this.options.clusterPrefixes.some((p) => p.startsWith(prefix));
    const local = (await this.local.list(prefix)).filter((e) => !this.isClusterKey(e.key));
    if (!reachesCluster) return local;
    const merged = [...local, ...(await this.cluster.list(prefix))];
    return merged.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async txn(txn: KvTxn): Promise<KvTxnResult> {
    const split = this.split(txn);
    const localWrites = split.claims.length + split.releasePuts.length + split.releaseDeletes.length;
    const clusterWrites = (split.cluster.puts?.length ?? 0) + (split.cluster.deletes?.length ?? 0);
    const localPart = localWrites > 0 || split.localCompares.length > 0;
    const clusterPart = clusterWrites > 0 || (split.cluster.compares?.length ?? 0) > 0;
    if (!clusterPart) return this.local.txn(txn);
    if (!localPart) return this.cluster.txn(split.cluster);
    return this.acrossStores(split);
  }

  private split(txn: KvTxn): Split {
    const split: Split = { cluster: {}, localCompares: [], claims: [], releasePuts: [], releaseDeletes: [] };
    const clusterCompares: KvCompare[] = [];
    const clusterPuts: Put[] = [];
    const clusterDeletes: string[] = [];
    for (const compare of txn.compares ?? [])
      (this.isClusterKey(compare.key) ? clusterCompares : split.localCompares).push(compare);
    for (const put of txn.puts ?? []) {
      if (this.isClusterKey(put.key)) clusterPuts.push(put);
      else if (this.options.releasePrefixes.some((p) => put.key.startsWith(p))) split.releasePuts.push(put);
      else split.claims.push(put);
    }
    for (const key of txn.deletes ?? []) (this.isClusterKey(key) ? clusterDeletes : split.releaseDeletes).push(key);
    // A delete beats a put of the same key (KvStore.txn): a local claim deleted again is no claim.
    const deleted = new Set(split.releaseDeletes);
    split.claims = split.claims.filter((p) => !deleted.has(p.key));
    split.releasePuts = split.releasePuts.filter((p) => !deleted.has(p.key));
    split.cluster = { compares: clusterCompares, puts: clusterPuts, deletes: clusterDeletes };
    return split;
  }

  private async acrossStores(split: Split): Promise<KvTxnResult> {
    const touched = [...new Set([...split.claims.map((p) => p.key), ...split.releasePuts.map((p) => p.key)])];
    const releaseKeys = [...split.releaseDeletes];
    this.hold([...touched, ...releaseKeys]);
    try {
      // Step 1: the claims, with every key they replace pinned, so step 2's undo restores
      // exactly what was there.
      const claimKeys = [...new Set(split.claims.map((p) => p.key))];
      const before = await Promise.all(claimKeys.map((key) => this.local.get(key)));
      let claimedRevision = 0;
      if (claimKeys.length > 0 || split.localCompares.length > 0) {
        const claimed = await this.local.txn({
          compares: [
            ...split.localCompares,
            ...claimKeys.map((key, i) => ({ key, revision: before[i]?.revision ?? 0 })),
          ],
          puts: split.claims,
        });
        if (!claimed.succeeded) return claimed;
        claimedRevision = claimed.revision;
      }
      // Step 2: the cluster part.
      let committed: KvTxnResult;
      try {
        committed = await this.cluster.txn(split.cluster);
      } catch (error) {
        // When the cluster part may have been applied, the claims stay: if it was not, they
        // are ownerless and swept; undoing them could leave a committed record without them.
        if (!outcomeUnknown(error)) await this.undo(claimKeys, before, claimedRevision);
        throw error;
      }
      if (!committed.succeeded) {
        await this.undo(claimKeys, before, claimedRevision);
        return committed;
      }
      // Step 3: the releases.
      if (split.releasePuts.length > 0 || split.releaseDeletes.length > 0)
        await this.local.txn({ puts: split.releasePuts, deletes: split.releaseDeletes });
      return committed;
    } finally {
      this.release([...touched, ...releaseKeys]);
    }
  }

  /** Puts back what step 1 replaced, key by key where someone changed a key since. */
  private async undo(keys: string[], before: Array<KvEntry | undefined>, claimedRevision: number): Promise<void> {
    if (keys.length === 0) return;
    const restore = (i: number): KvTxn => {
      const previous = before[i];
      const key = keys[i] as string;
      return previous === undefined ? { deletes: [key] } : { puts: [{ key, value: previous.value }] };
    };
    const all = await this.local.txn({
      compares: keys.map((key) => ({ key, revision: claimedRevision })),
      puts: keys.flatMap((_, i) => restore(i).puts ?? []),
      deletes: keys.flatMap((_, i) => restore(i).deletes ?? []),
    });
    if (all.succeeded) return;
    for (let i = 0; i < keys.length; i++)
      await this.local.txn({ compares: [{ key: keys[i] as string, revision: claimedRevision }], ...restore(i) });
  }

  private hold(keys: string[]): void {
    for (const key of keys) this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
  }

  private release(keys: string[]): void {
    for (const key of keys) {
      const count = (this.pending.get(key) ?? 1) - 1;
      if (count > 0) this.pending.set(key, count);
      else this.pending.delete(key);
    }
  }

  async current(): Promise<void> {
    await Promise.all([this.local.current(), this.cluster.current()]);
  }

  async close(): Promise<void> {
    await Promise.all([this.local.close(), this.cluster.close()]);
  }
}

/** The cluster store could not tell whether a write was applied (etcd-calls.ts says so). */
function outcomeUnknown(error: unknown): boolean {
  return isControllerError(error) && error.details?.['outcome'] === 'unknown';
}
