// A lease in the cluster store: the etcd3 client renews it (every third of its TTL) until it
// is revoked or released, and reports it lost when etcd says it expired or when an outage
// outlasted it. Keys written through it vanish with it - a host's liveness record.
import type { Lease } from 'etcd3';
import type { KvLease, KvTxn, KvTxnResult } from './kv';
import type { BoundedCalls } from './etcd-calls';

export interface EtcdLeaseOwner {
  calls: BoundedCalls;
  txn(txn: KvTxn, leaseId: string): Promise<KvTxnResult>;
  forget(lease: EtcdLease): void;
}

export class EtcdLease implements KvLease {
  private lostBecause: Error | undefined;
  private readonly lostListeners: Array<(error: Error) => void> = [];

  constructor(
    private readonly lease: Lease,
    readonly id: string,
    readonly ttlSeconds: number,
    private readonly owner: EtcdLeaseOwner,
  ) {
    lease.on('lost', (error: Error) => {
      if (this.lostBecause !== undefined) return;
      this.lostBecause = error;
      owner.forget(this);
      for (const listener of this.lostListeners.splice(0)) listener(error);
    });
  }

  txn(txn: KvTxn): Promise<KvTxnResult> {
    return this.owner.txn(txn, this.id);
  }

  onRenewal(listener: (renewed: boolean, error?: Error) => void): void {
    this.lease.on('keepaliveSucceeded', () => listener(true));
    // Typed as a response by etcd3, emitted with the error that ended the renewal.
    this.lease.on('keepaliveFailed', (failure: unknown) =>
      listener(false, failure instanceof Error ? failure : new Error(String(failure))),
    );
  }

  onLost(listener: (error: Error) => void): void {
    const lost = this.lostBecause;
    if (lost !== undefined) queueMicrotask(() => listener(lost));
    else this.lostListeners.push(listener);
  }

  async revoke(): Promise<void> {
    this.owner.forget(this);
    // Revoking an already revoked or expired lease succeeds, so a retry is harmless.
    await this.owner.calls.run('idempotent', (options) => this.lease.revoke(options));
  }

  release(): void {
    this.owner.forget(this);
    this.lease.release();
  }
}
