// This host's liveness in the cluster: `hosts/<id>` = {id, tunnelIp, since}, written with a
// lease the store renews while the daemon runs. A host that dies stops renewing, so its record
// expires after the TTL and the other hosts see it gone; its endpoints stay in the store
// until it returns. A lease lost in an outage is granted again, and the record written again,
// once the store answers: the host comes back by itself.
import type { Clock } from '../clock';
import { ControllerError } from '../errors';
import type { Logger } from '../log';
import { keys, type HostRecord } from '../cnm/records';
import type { KvLease, LeasingKvStore } from '../store/kv';

export interface MembershipOptions {
  store: LeasingKvStore;
  hostId: string;
  tunnelIp: string;
  /** This host's number (host-number.ts), published with its record. */
  number?: number;
  ttlSeconds: number;
  clock: Clock;
  logger: Logger;
  /** Told whenever the store's answers to the lease renewals change from yes to no or back. */
  onReachability?: (reachable: boolean, reason?: string) => void;
}

const FIRST_RETRY_MS = 200;
const LONGEST_RETRY_MS = 5_000;

export class HostMembership {
  private lease: KvLease | undefined;
  private stopped = false;
  private retryTimer: unknown;
  private reachable: boolean | undefined;
  private current: HostRecord | undefined;

  private constructor(private readonly options: MembershipOptions) {}

  /** Registers the host; fails (UNAVAILABLE, CONFLICT) when that cannot be done now. */
  static async join(options: MembershipOptions): Promise<HostMembership> {
    const membership = new HostMembership(options);
    await membership.register();
    return membership;
  }

  /** The record as last written (undefined while the host is not registered). */
  get record(): HostRecord | undefined {
    return this.lease === undefined ? undefined : this.current;
  }

  private async register(): Promise<void> {
    const { store, hostId, tunnelIp, ttlSeconds } = this.options;
    const key = keys.host(hostId);
    const lease = await store.grantLease(ttlSeconds);
    try {
      const record: HostRecord = {
        id: hostId,
        tunnelIp,
        since: new Date(this.options.clock.now()).toISOString(),
        ...(this.options.number !== undefined ? { number: this.options.number } : {}),
      };
      for (;;) {
        const existing = await store.get(key);
        const holder = existing?.value as HostRecord | undefined;
        // The same id with the same tunnel address is this host after a restart; anything else
        // is another live host, and two hosts under one id would take each other's endpoints.
        if (holder !== undefined && holder.tunnelIp !== tunnelIp)
          throw new ControllerError(
            'CONFLICT',
            `host id "${hostId}" is held by a live host with tunnel address ${holder.tunnelIp}; give this host its own --host-id (or wait ${ttlSeconds} s if that host is gone)`,
          );
        const written = await lease.txn({
          compares: [{ key, revision: existing?.revision ?? 0 }],
          puts: [{ key, value: record }],
        });
        if (written.succeeded) break;
      }
      this.current = record;
    } catch (error) {
      lease.release();
      throw error;
    }
    if (this.stopped) {
      lease.release();
      return;
    }
    this.lease = lease;
    this.setReachable(true);
    lease.onRenewal((renewed, error) => this.setReachable(renewed, error?.message));
    lease.onLost((error) => {
      if (this.lease !== lease) return;
      this.lease = undefined;
      this.setReachable(false, error.message);
      this.options.logger.warn({ err: error }, 'cluster store: this host’s lease was lost; registering again');
      this.retry(FIRST_RETRY_MS);
    });
  }

  private retry(delayMs: number): void {
    if (this.stopped) return;
    this.retryTimer = this.options.clock.setTimeout(() => {
      this.register().then(
        () => this.options.logger.info({ host: this.options.hostId }, 'cluster store: host registered again'),
        (error: unknown) => {
          this.setReachable(false, (error as Error).message);
          this.retry(Math.min(delayMs * 2, LONGEST_RETRY_MS));
        },
      );
    }, delayMs);
  }

  private setReachable(reachable: boolean, reason?: string): void {
    if (this.reachable === reachable) return;
    this.reachable = reachable;
    this.options.onReachability?.(reachable, reason);
  }

  /**
   * Stops renewing. The record expires after the TTL rather than at once: a daemon restarted
   * within it (an upgrade) never looks gone to the other hosts.
   */
  stop(): void {
    this.stopped = true;
    this.options.clock.clearTimeout(this.retryTimer);
    this.lease?.release();
    this.lease = undefined;
  }
}
