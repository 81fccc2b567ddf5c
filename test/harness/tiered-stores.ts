// A tiered store over two real file stores in temporary directories (removed after the
// test), whose cluster side can be made to refuse, fail or hold its transactions: what the
// tiered store and the claim sweep must survive, without an etcd.
import type { TestContext } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileKvStore } from '../../controller/store/file-store';
import { TieredKvStore } from '../../controller/store/tiered-store';
import { CLUSTER_PREFIXES, RELEASE_PREFIXES } from '../../controller/cnm/records';
import type { KvEntry, KvStore, KvTxn, KvTxnResult } from '../../controller/store/kv';

/** A store in front of another whose transactions can be held up or made to throw. */
export class ControllableStore implements KvStore {
  /** Thrown by the next transaction instead of applying it. */
  failNext: Error | undefined;
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;
  txns = 0;

  constructor(readonly inner: KvStore) {}

  /** Transactions wait until release() is called. */
  hold(): void {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
  }

  release(): void {
    this.openGate?.();
    this.gate = undefined;
  }

  get(key: string): Promise<KvEntry | undefined> {
    return this.inner.get(key);
  }

  list(prefix: string): Promise<KvEntry[]> {
    return this.inner.list(prefix);
  }

  async txn(txn: KvTxn): Promise<KvTxnResult> {
    this.txns++;
    if (this.gate) await this.gate;
    const failure = this.failNext;
    this.failNext = undefined;
    if (failure) throw failure;
    return this.inner.txn(txn);
  }

  current(): Promise<void> {
    return this.inner.current();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

export interface TieredStores {
  store: TieredKvStore;
  local: FileKvStore;
  cluster: ControllableStore;
  /** The cluster side's real store, read without going through the tiers. */
  clusterFile: FileKvStore;
}

export function tieredStores(t: TestContext): TieredStores {
  const dir = mkdtempSync(join(tmpdir(), 'ovsnet-tiered-'));
  const local = FileKvStore.open(join(dir, 'local'));
  const clusterFile = FileKvStore.open(join(dir, 'cluster'));
  const cluster = new ControllableStore(clusterFile);
  const store = new TieredKvStore(local, cluster, {
    clusterPrefixes: CLUSTER_PREFIXES,
    releasePrefixes: RELEASE_PREFIXES,
  });
  t.after(async () => {
    cluster.release();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { store, local, cluster, clusterFile };
}

/** Another host's tiered store: a local store of its own over the same cluster store. */
export function anotherHost(t: TestContext, first: TieredStores): TieredKvStore {
  const dir = mkdtempSync(join(tmpdir(), 'ovsnet-tiered-'));
  const local = FileKvStore.open(dir);
  t.after(async () => {
    await local.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return new TieredKvStore(local, first.cluster, {
    clusterPrefixes: CLUSTER_PREFIXES,
    releasePrefixes: RELEASE_PREFIXES,
  });
}
