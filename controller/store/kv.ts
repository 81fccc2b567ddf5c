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
  close(): Promise<void>;
}
