// The state store seen by the controller: keys with revisions and atomic compare-and-swap
// transactions. It is the shape etcd offers natively, so the multi-host store slots in
// behind the same interface; the single-host default is the embedded FileKvStore.

export interface KvEntry {
  key: string;
  /** Shared and deeply frozen: read it, copy it to change it. */
  value: unknown;
  /** Store-wide revision of the transaction that last wrote this key (>= 1). */
  revision: number;
}

/** Condition of a transaction: the key's current revision (0 = the key must be absent). */
export interface KvCompare {
  key: string;
  revision: number;
}

export interface KvTxn {
  compares?: KvCompare[];
  puts?: Array<{ key: string; value: unknown }>;
  deletes?: string[];
}

export interface KvTxnResult {
  /** False when a compare failed; nothing was written then. */
  succeeded: boolean;
  /** The store revision after the transaction (unchanged when it failed). */
  revision: number;
}

export interface KvStore {
  get(key: string): Promise<KvEntry | undefined>;
  /** Entries whose key starts with prefix, sorted by key. */
  list(prefix: string): Promise<KvEntry[]>;
  /** Applies all puts and deletes atomically iff every compare holds. Durable on resolve. */
  txn(txn: KvTxn): Promise<KvTxnResult>;
  /**
   * Resolves once reads show every write the store had applied when this was called. A store
   * read in place is so at once; a copy of a remote store asks the remote for its revision
   * and waits for the copy to reach it, and fails as the remote's reads fail.
   */
  current(): Promise<void>;
  close(): Promise<void>;
}

/** A consistent listing: the entries under a prefix as of one store revision. */
export interface KvSnapshot {
  entries: KvEntry[];
  revision: number;
}

export interface KvWatchEvent {
  type: 'put' | 'delete';
  key: string;
  /** The new value of a put (shared and deeply frozen); undefined for a delete. */
  value?: unknown;
  /** Revision of the transaction that made the change; several events may share one. */
  revision: number;
}

export interface KvWatchHandlers {
  /** Changes in revision order, each batch after the one before; never one already seen. */
  onEvents(events: KvWatchEvent[]): void;
  /**
   * The store no longer holds the history since the revision the watch stood at (it was
   * compacted): here is the whole prefix as of `revision`; replace your view with it. Events
   * continue after that revision.
   */
  onResync(snapshot: KvSnapshot): void;
  /** The watch stopped for good for a reason other than an outage (outages are retried). */
  onError?(error: Error): void;
}

export interface KvWatch {
  close(): Promise<void>;
}

/** A store whose changes can be followed, as the cluster store (etcd) offers. */
export interface WatchableKvStore extends KvStore {
  snapshot(prefix: string): Promise<KvSnapshot>;
  /** The store's latest revision, asked of the store itself. */
  revision(): Promise<number>;
  /**
   * Follows every change under prefix made after `seenRevision` (the revision of the
   * caller's last snapshot or event). Pushes, never polls; survives store outages.
   */
  watch(prefix: string, seenRevision: number, handlers: KvWatchHandlers): KvWatch;
}

/**
 * A time-limited claim: keys written through it vanish when it is not renewed within its
 * TTL (a host that died stops renewing, so its liveness record expires).
 */
export interface KvLease {
  readonly id: string;
  readonly ttlSeconds: number;
  /** Like KvStore.txn, with every put attached to this lease. */
  txn(txn: KvTxn): Promise<KvTxnResult>;
  /** Called once if the lease is gone (expired during an outage, or revoked elsewhere). */
  onLost(listener: (error: Error) => void): void;
  /** Called after each renewal attempt: whether the store renewed it (a sign of its reachability). */
  onRenewal(listener: (renewed: boolean, error?: Error) => void): void;
  /** Ends the lease now; its keys are deleted. */
  revoke(): Promise<void>;
  /** Stops renewing and lets the lease expire by itself, as if this process had died. */
  release(): void;
}

export interface LeasingKvStore extends KvStore {
  /** A lease renewed automatically until revoke/release/close. */
  grantLease(ttlSeconds: number): Promise<KvLease>;
}

export interface ClusterKvStore extends WatchableKvStore, LeasingKvStore {}
