// The embedded single-host store: an in-memory map made durable by an append-only journal
// of committed transactions plus a periodic snapshot. It survives `kill -9` at any instant:
// a transaction resolves only after its journal line is fsynced, a torn last line (the
// process died mid-write) is ignored on load, and snapshots replace the old one by rename.
// Concurrent transactions share one write and one fsync (group commit).
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { deepFreeze } from './freeze';
import type { KvEntry, KvStore, KvTxn, KvTxnResult } from './kv';

interface Snapshot {
  revision: number;
  entries: Array<[string, unknown, number]>;
}

interface JournalRecord {
  rev: number;
  puts?: Array<[string, unknown]>;
  deletes?: string[];
}

interface Pending {
  txn: KvTxn;
  resolve: (result: KvTxnResult) => void;
  reject: (error: Error) => void;
}

/** Prefixes whose listings are kept at once; more are not expected between two writes. */
const MAX_LISTINGS = 256;

export interface FileKvStoreOptions {
  /** Journal records before a snapshot is written and the journal restarted. */
  compactEvery?: number;
}

export class FileKvStore implements KvStore {
  private readonly data = new Map<string, { value: unknown; revision: number }>();
  /**
   * Listings by prefix, as of the last write: reconcile passes and metrics scrapes list the
   * same prefixes again and again between writes, and each listing scanned every key and
   * made a new entry for each match. Entries are frozen, so sharing them is safe.
   */
  private readonly listings = new Map<string, readonly KvEntry[]>();
  private revision = 0;
  private journalFd: number | undefined;
  private journalRecords = 0;
  private queue: Pending[] = [];
  private flushing = false;
  private closed = false;
  private failure: Error | undefined;
  /** Told how long each journal fsync took (for /metrics). */
  onFsync: ((seconds: number) => void) | undefined;
  private readonly compactEvery: number;

  private constructor(
    readonly dir: string,
    options: FileKvStoreOptions,
  ) {
    this.compactEvery = options.compactEvery ?? 5000;
  }

  static open(dir: string, options: FileKvStoreOptions = {}): FileKvStore {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const store = new FileKvStore(dir, options);
    store.load();
    return store;
  }

  private get snapshotPath(): string {
    return join(this.dir, 'snapshot.json');
  }
  private get journalPath(): string {
    return join(this.dir, 'journal.jsonl');
  }

  private load(): void {
    if (existsSync(this.snapshotPath)) {
      const snapshot = JSON.parse(readFileSync(this.snapshotPath, 'utf8')) as Snapshot;
      this.revision = snapshot.revision;
      for (const [key, value, revision] of snapshot.entries) this.data.set(key, { value: deepFreeze(value), revision });
    }
    if (existsSync(this.journalPath)) {
      const lines = readFileSync(this.journalPath, 'utf8').split('\n');
      for (const line of lines) {
        if (line === '') continue;
        let record: JournalRecord;
        try {
          record = JSON.parse(line) as JournalRecord;
        } catch {
          break; // a torn tail: the writer died before the fsync, so nobody was told it committed
        }
        if (record.rev <= this.revision) continue; // already in the snapshot
        this.applyRecord(record);
        this.journalRecords++;
      }
    }
    // Start a clean journal so a torn tail never sits in front of new records.
    this.writeSnapshot();
  }

  private applyRecord(record: JournalRecord): void {
    this.listings.clear();
    for (const [key, value] of record.puts ?? [])
      this.data.set(key, { value: deepFreeze(value), revision: record.rev });
    for (const key of record.deletes ?? []) this.data.delete(key);
    this.revision = record.rev;
  }

  private writeSnapshot(): void {
    const snapshot: Snapshot = {
      revision: this.revision,
      entries: [...this.data].map(([key, e]) => [key, e.value, e.revision]),
    };
    const tmp = `${this.snapshotPath}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    writeSync(fd, JSON.stringify(snapshot));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.snapshotPath);
    // The rename is durable only once the directory entry is.
    const dirFd = openSync(this.dir, 'r');
    fsyncSync(dirFd);
    closeSync(dirFd);
    if (this.journalFd !== undefined) closeSync(this.journalFd);
    this.journalFd = openSync(this.journalPath, 'w', 0o600);
    fsyncSync(this.journalFd);
    this.journalRecords = 0;
  }

  /** Keys held now. */
  get size(): number {
    return this.data.size;
  }

  get(key: string): Promise<KvEntry | undefined> {
    const entry = this.data.get(key);
    return Promise.resolve(entry ? { key, value: entry.value, revision: entry.revision } : undefined);
  }

  list(prefix: string): Promise<KvEntry[]> {
    let listing = this.listings.get(prefix);
    if (!listing) {
      const out: KvEntry[] = [];
      for (const [key, entry] of this.data) {
        if (key.startsWith(prefix)) out.push(Object.freeze({ key, value: entry.value, revision: entry.revision }));
      }
      listing = out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      if (this.listings.size >= MAX_LISTINGS) this.listings.clear();
      this.listings.set(prefix, listing);
    }
    return Promise.resolve(listing.slice());
  }

  txn(txn: KvTxn): Promise<KvTxnResult> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    // After a failed write the memory may be ahead of the disk; only a reopen is safe.
    if (this.failure)
      return Promise.reject(new Error(`store needs a restart after a write error: ${this.failure.message}`));
    return new Promise((resolve, reject) => {
      this.queue.push({ txn, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Applies every queued transaction in order, then makes them durable with one fsync. */
  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    const lines: string[] = [];
    const outcomes: Array<{ pending: Pending; result: KvTxnResult }> = [];
    for (const pending of batch) {
      const { txn } = pending;
      const holds = (txn.compares ?? []).every((c) => (this.data.get(c.key)?.revision ?? 0) === c.revision);
      const writes = (txn.puts?.length ?? 0) + (txn.deletes?.length ?? 0);
      if (!holds || writes === 0) {
        outcomes.push({ pending, result: { succeeded: holds, revision: this.revision } });
        continue;
      }
      const record: JournalRecord = { rev: this.revision + 1 };
      if (txn.puts?.length) record.puts = txn.puts.map((p) => [p.key, clone(p.value)]);
      if (txn.deletes?.length) record.deletes = [...txn.deletes];
      this.applyRecord(record);
      lines.push(JSON.stringify(record));
      outcomes.push({ pending, result: { succeeded: true, revision: this.revision } });
    }
    try {
      if (lines.length > 0 && this.journalFd !== undefined) {
        writeSync(this.journalFd, `${lines.join('\n')}\n`);
        const syncing = process.hrtime.bigint();
        fsyncSync(this.journalFd);
        this.onFsync?.(Number(process.hrtime.bigint() - syncing) / 1e9);
        this.journalRecords += lines.length;
        if (this.journalRecords >= this.compactEvery) this.writeSnapshot();
      }
      for (const { pending, result } of outcomes) pending.resolve(result);
    } catch (error) {
      this.failure = error as Error;
      for (const { pending } of outcomes) pending.reject(error as Error);
    }
    if (this.queue.length > 0) setImmediate(() => this.flush());
    else this.flushing = false;
  }

  current(): Promise<void> {
    return Promise.resolve();
  }

  async close(): Promise<void> {
    this.closed = true;
    while (this.flushing) await new Promise((r) => setImmediate(r));
    if (this.journalFd !== undefined) closeSync(this.journalFd);
    this.journalFd = undefined;
  }
}

function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}
