// Follows a prefix of the cluster store from the revision the caller has seen. etcd pushes
// each change once, in revision order; the etcd3 client reconnects the stream after an
// outage. Two things are ours: resuming exactly after the last change delivered, and
// turning "history compacted" into a fresh listing the caller can converge from.
import type { IKeyValue, IWatchResponse, Watcher } from 'etcd3';
import type { KvSnapshot, KvWatch, KvWatchEvent, KvWatchHandlers } from './kv';
import { decodeValue, type EtcdKeyspace } from './etcd-keys';
import { isStoreUnreachable } from './etcd-calls';

export interface EtcdWatchSource {
  keyspace: EtcdKeyspace;
  /** A watcher on etcd keys [key, range_end) from startRevision, not yet followed. */
  openWatcher(range: { key: Buffer; range_end: Buffer }, startRevision: number): Watcher;
  snapshot(prefix: string): Promise<KvSnapshot>;
  /** True when etcd no longer keeps the history at that revision. */
  historyCompacted(revision: number): Promise<boolean>;
  /** How long to wait before trying again when the store is out of reach. */
  retryMs: number;
}

export class EtcdPrefixWatch implements KvWatch {
  private watcher: Watcher | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly source: EtcdWatchSource,
    private readonly prefix: string,
    /** Every change up to this revision has been delivered (or was in the caller's listing). */
    private seen: number,
    private readonly handlers: KvWatchHandlers,
    private readonly onClosed: () => void,
  ) {
    this.follow();
  }

  private follow(): void {
    const watcher = this.source.openWatcher(this.source.keyspace.range(this.prefix), this.seen + 1);
    watcher.on('data', (response: IWatchResponse) => this.deliver(response));
    // The client resumes from the revision in the response headers it saw, which etcd sets to
    // its current revision even while it is still sending older history; resuming there after
    // a reconnect would skip changes. Resume after the last change delivered instead.
    watcher.on('disconnected', () => {
      watcher.request.start_revision = String(this.seen + 1);
    });
    watcher.on('error', (error: Error) => void this.recover(error));
    this.watcher = watcher;
  }

  private deliver(response: IWatchResponse): void {
    if (this.closed || response.events.length === 0) return;
    const events = response.events.map((event) => this.toEvent(event.type, event.kv));
    this.seen = events[events.length - 1]!.revision;
    this.handlers.onEvents(events);
  }

  private toEvent(type: 'Put' | 'Delete', kv: IKeyValue): KvWatchEvent {
    const key = this.source.keyspace.unkey(kv.key);
    const revision = Number(kv.mod_revision);
    return type === 'Put'
      ? { type: 'put', key, value: decodeValue(key, kv.value), revision }
      : { type: 'delete', key, revision };
  }

  /** etcd ended the watch itself: compaction (re-list and go on), or a lasting refusal. */
  private async recover(cause: Error): Promise<void> {
    this.watcher = undefined;
    if (this.closed) return;
    try {
      if (!(await this.source.historyCompacted(this.seen + 1))) return this.fail(cause);
      const snapshot = await this.source.snapshot(this.prefix);
      if (this.closed) return;
      this.seen = snapshot.revision;
      this.handlers.onResync(snapshot);
      this.follow();
    } catch (error) {
      if (this.closed) return;
      if (!isStoreUnreachable(error)) return this.fail(error as Error);
      // etcd went away meanwhile: ask again once it may be back.
      this.retryTimer = setTimeout(() => void this.recover(cause), this.source.retryMs);
    }
  }

  private fail(error: Error): void {
    this.closed = true;
    this.onClosed();
    this.handlers.onError?.(error);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.onClosed();
    const watcher = this.watcher;
    this.watcher = undefined;
    if (watcher === undefined) return;
    watcher.removeAllListeners('data');
    // Cancelling waits for etcd's acknowledgement, which an unreachable etcd never sends.
    await Promise.race([watcher.cancel(), new Promise((resolve) => setTimeout(resolve, this.source.retryMs))]);
  }
}
