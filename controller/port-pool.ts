// Veth pairs already on the bridge, made ahead of demand in batches, so that a join only
// takes one over and installs its flows. ovs-vswitchd reconfigures the whole bridge when
// ports are added, and again when links appear in its namespace: at 4000 ports each costs
// about 2 s, and a batch of 256 pairs costs about what a batch of one does. Made per join,
// those reconfigurations were most of an attach; pooled, they happen beside the joins.
// The pool fills on first use and refills when fewer than a quarter of a batch (at least
// `minIdle`) are ready. A batch that follows the last one within seconds is twice as big
// (up to `maxBatch`), so under a burst the switch reconfigures a few times for hundreds
// of ports rather than continuously for a few; batches shrink back when demand is low.
// Slots left idle after a burst are trimmed once claims stop.
// A pooled pair's container end keeps the MAC the kernel gave it: whoever moves it into
// the sandbox sets the endpoint's MAC there (libnetwork does, for Docker), since changing a
// link in ovs-vswitchd's namespace would cost the very reconfiguration the pool saves.
import type { Clock } from './clock';
import type { Logger } from './log';
import type { Registry } from './cnm/registry';
import type { EndpointRecord, PoolSlotRecord } from './cnm/records';
import type { HostLinks } from './host/links';
import { ControllerError } from './errors';

export interface PoolDataplane {
  kick(): void;
  /** Waits for the named ports to be realised; returns those that failed. */
  waitPortsRealised(names: string[], timeoutMs: number): Promise<string[]>;
}

export interface PortPoolOptions {
  registry: Registry;
  links: Pick<HostLinks, 'createVethPairs' | 'linkNames'>;
  dataplane: PoolDataplane;
  clock: Clock;
  logger: Logger;
  /** Slots kept ready once the pool is in use; 0 turns the pool off. */
  minIdle: number;
  /** Most slots made at once. */
  maxBatch?: number;
  /** Most slots kept ready however high the demand. */
  maxIdle?: number;
  /** Removes the veths of dropped slots (recorded as stale links by then). */
  removeLinks: (names: readonly string[]) => Promise<void>;
}

/** Slots kept ready by default once joins start. */
export const DEFAULT_PORT_POOL = 8;

const IDLE_BEFORE_TRIM_MS = 60_000;
/** A refill this soon after the last batch doubles the batch size; one this late halves it. */
const QUICK_REFILL_MS = 5000;
const SLOW_REFILL_MS = 30_000;
const RETRY_AFTER_FAILURE_MS = 1000;

/** A made slot whose two ends are both still among `links`. */
function isWhole(slot: PoolSlotRecord, links: ReadonlySet<string>): boolean {
  return slot.made === true && links.has(slot.hostIfname) && links.has(slot.containerIfname);
}

export class PortPool {
  private ready: string[] = [];
  private waiters: Array<() => void> = [];
  private batchSize: number;
  private lastBatchEnd: number | undefined;
  private lastClaimAt = 0;
  private refilling: Promise<void> | undefined;
  private inUse = false;
  private stopped = false;
  private readonly maxBatch: number;
  private readonly maxIdle: number;

  constructor(private readonly options: PortPoolOptions) {
    this.maxBatch = options.maxBatch ?? 256;
    this.maxIdle = Math.max(options.maxIdle ?? 512, options.minIdle);
    this.batchSize = Math.max(1, options.minIdle);
  }

  get enabled(): boolean {
    return this.options.minIdle > 0;
  }

  /** Slots ready to be taken, in the order they will be. */
  readySlots(): readonly string[] {
    return this.ready;
  }

  /**
   * Takes up the slots of the last run: those whose veth pair is intact are ready, the
   * others (a crash between reserving and making them, a host reboot) are dropped.
   */
  async start(): Promise<void> {
    const slots = await this.options.registry.poolSlots.list();
    if (slots.length === 0) return;
    const links = this.enabled ? await this.options.links.linkNames() : new Set<string>();
    const intact = slots.filter((s) => isWhole(s, links)).map((s) => s.hostIfname);
    const keep = new Set(intact);
    const dropped = slots.map((s) => s.hostIfname).filter((name) => !keep.has(name));
    await this.drop(dropped);
    this.ready = intact;
    this.inUse = this.ready.length > 0;
    if (dropped.length > 0)
      this.options.logger.info(
        { dropped: dropped.length, ready: this.ready.length },
        'port pool: slots without their veth dropped',
      );
  }

  /** No more claims or refills; waiting joins fail. See `settled` for the refill in flight. */
  stop(): void {
    this.stopped = true;
    this.wake();
  }

  /**
   * Resolves once no refill runs. A refill waiting for ovs-vswitchd ends when the OVSDB
   * client closes, so a daemon awaits this after closing it.
   */
  async settled(): Promise<void> {
    await this.refilling;
  }

  /**
   * Plugs the endpoint into a ready slot, waiting for the pool to make one if none is.
   * Returns the endpoint as stored after the claim.
   */
  async claim(networkId: string, endpointId: string, sandboxKey: string, timeoutMs: number): Promise<EndpointRecord> {
    const { clock, registry } = this.options;
    const deadline = clock.now() + timeoutMs;
    this.inUse = true;
    this.lastClaimAt = clock.now();
    for (;;) {
      if (this.stopped) throw new ControllerError('UNAVAILABLE', 'the daemon is stopping');
      const name = this.ready.shift();
      this.refillSoon();
      if (name === undefined) {
        await this.waitForSlot(deadline);
        continue;
      }
      const record = await registry.poolSlots.claim(networkId, endpointId, name, sandboxKey).catch((error: unknown) => {
        this.ready.unshift(name);
        throw error;
      });
      if (record === undefined) continue; // dropped meanwhile
      if (record.hostIfname !== name) this.ready.unshift(name); // already plugged: a retried join
      return record;
    }
  }

  /**
   * Periodic upkeep: drops ready slots whose veth pair is no longer whole (someone deleted
   * or moved an end: a join would hand out a name libnetwork cannot find), and gives back
   * slots beyond `minIdle` once nobody has claimed one for a while.
   */
  async maintain(): Promise<void> {
    // Slots enter `ready` only once their links exist, so any ready before the listing
    // must be in it, whatever a refill does meanwhile.
    const candidates = [...this.ready];
    if (candidates.length === 0) return;
    const links = await this.options.links.linkNames();
    const slots = new Map((await this.options.registry.poolSlots.list()).map((s) => [s.hostIfname, s]));
    const broken = candidates.filter((name) => {
      const slot = slots.get(name);
      return slot !== undefined && this.ready.includes(name) && !isWhole(slot, links);
    });
    if (broken.length > 0) {
      this.ready = this.ready.filter((name) => !broken.includes(name));
      this.options.logger.warn({ dropped: broken }, 'port pool: slots whose veth pair is no longer whole dropped');
      await this.drop(broken);
    }
    if (this.options.clock.now() - this.lastClaimAt < IDLE_BEFORE_TRIM_MS || this.refilling) return;
    const extra = this.ready.splice(this.options.minIdle);
    if (extra.length === 0) return;
    this.options.logger.info({ dropped: extra.length, ready: this.ready.length }, 'port pool: idle slots given back');
    await this.drop(extra);
  }

  private async drop(names: string[]): Promise<void> {
    if (names.length === 0) return;
    await this.options.registry.poolSlots.drop(names);
    this.options.dataplane.kick();
    await this.options
      .removeLinks(names)
      .catch((error: unknown) =>
        this.options.logger.warn({ err: error, links: names }, 'could not remove pooled veths; will retry'),
      );
  }

  /** Fewer ready slots than this start a refill. */
  private lowWater(): number {
    if (!this.enabled || !this.inUse) return 0;
    return Math.max(this.options.minIdle, Math.ceil(this.batchSize / 4), this.waiters.length);
  }

  private waitForSlot(deadline: number): Promise<void> {
    const { clock } = this.options;
    return new Promise((resolve, reject) => {
      const timer = clock.setTimeout(
        () => {
          this.waiters = this.waiters.filter((w) => w !== wake);
          reject(
            new ControllerError('UNAVAILABLE', 'no pooled port became ready in time; is Open vSwitch keeping up?'),
          );
        },
        Math.max(1, deadline - clock.now()),
      );
      const wake = (): void => {
        clock.clearTimeout(timer);
        resolve();
      };
      this.waiters.push(wake);
    });
  }

  private wake(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  private refillSoon(): void {
    if (this.refilling || this.stopped || this.ready.length >= this.lowWater()) return;
    this.refilling = this.refill()
      .catch((error: unknown) => {
        if (this.stopped) return undefined;
        this.options.logger.warn({ err: error }, 'port pool: could not make veths; trying again');
        return new Promise<void>((resolve) => this.options.clock.setTimeout(resolve, RETRY_AFTER_FAILURE_MS));
      })
      .finally(() => {
        this.refilling = undefined;
        this.wake(); // waiters look again, and start the next refill if still short
        if (this.ready.length < this.lowWater()) this.refillSoon();
      });
  }

  private async refill(): Promise<void> {
    const { registry, links, dataplane, logger, clock } = this.options;
    for (;;) {
      if (this.ready.length >= this.lowWater() || this.stopped) return;
      const started = clock.now();
      if (this.lastBatchEnd !== undefined && started - this.lastBatchEnd < QUICK_REFILL_MS)
        this.batchSize = Math.min(this.maxBatch, this.batchSize * 2);
      else if (this.lastBatchEnd === undefined || started - this.lastBatchEnd > SLOW_REFILL_MS)
        this.batchSize = Math.max(this.options.minIdle, Math.floor(this.batchSize / 2));
      const want = Math.max(1, Math.min(this.batchSize, this.maxIdle - this.ready.length));
      const slots = await registry.poolSlots.add(want);
      const failed = await links.createVethPairs(slots.map((s) => ({ host: s.hostIfname, peer: s.containerIfname })));
      await this.drop([...failed]);
      const made = slots.map((s) => s.hostIfname).filter((name) => !failed.has(name));
      if (made.length === 0) throw new Error(`none of ${slots.length} veth pairs could be made`);
      await registry.poolSlots.markMade(made);
      this.ready.push(...made);
      this.wake();
      const linked = clock.now();
      // The next batch waits for this one: ovs-vswitchd applies one at a time anyway, and
      // a batch sized after its wait follows demand better than many small ones.
      const broken = await dataplane.waitPortsRealised(made, 120_000);
      // Stopping ends the wait with every port "failed"; they are fine and stay for the next run.
      if (this.stopped) return;
      const unusable = broken.filter((name) => this.ready.includes(name));
      this.ready = this.ready.filter((name) => !unusable.includes(name));
      await this.drop(unusable);
      this.lastBatchEnd = clock.now();
      logger.debug(
        {
          made: made.length,
          failed: failed.size + unusable.length,
          ready: this.ready.length,
          ms: { veths: linked - started, realised: clock.now() - linked },
        },
        'port pool: batch',
      );
    }
  }
}
