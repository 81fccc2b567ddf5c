// Learns what Docker says of the container behind each endpoint joined on this host (id,
// name, labels) and writes it into the endpoint's record, so allow rules by container name
// or label select Docker's containers. Docker tells a driver none of this (Join carries a
// sandbox key only), and a plugin handler must never call the Docker API (docs/design.md
// §9): the learner runs on its own, after any store change that may be a Join, listing
// the engine's containers (one request) and matching their endpoint ids. Docker gives a
// container a new endpoint each time it starts, so a restarted or replaced container is
// learnt again at its next Join. A renamed container keeps its endpoints: `relearn` (called
// on the engine's rename events, docker-renames.ts) looks at learnt ones again. An endpoint
// Docker does not list yet is retried with backoff, and given up after a while (`ovsnet
// attach`'s ports are not Docker's endpoints).
import type { Clock } from '../clock';
import type { Logger } from '../log';
import type { ContainerFacts, EndpointRecord } from '../cnm/records';
import type { Registry } from '../cnm/registry';
import { listContainers, type ListedContainer } from './docker-api';

export interface DockerContainersOptions {
  registry: Registry;
  clock: Clock;
  logger: Logger;
  /** Lists the engine's containers (listContainers on the engine's socket). */
  list?: () => Promise<ListedContainer[]>;
  /** The engine's API socket, when `list` is not given. */
  socketPath?: string;
}

/** First retry after a miss, doubling up to MAX_RETRY_MS. */
const FIRST_RETRY_MS = 200;
const MAX_RETRY_MS = 5_000;
const LIST_TIMEOUT_MS = 3_000;
/** Misses after which an endpoint is left alone (about a minute with the backoff above). */
const GIVE_UP_AFTER = 16;

export class DockerContainers {
  private readonly list: () => Promise<ListedContainer[]>;
  private readonly misses = new Map<string, number>();
  private unsubscribe: (() => void) | undefined;
  private timer: unknown;
  private running: Promise<void> | undefined;
  /** The store changed during a scan. */
  private again = false;
  /** The last scan could not list containers, or missed an endpoint: back off. */
  private retry = false;
  private retryMs = FIRST_RETRY_MS;
  private stopped = false;
  /** Containers to look at again although learnt (renamed), and whether all of them. */
  private stale = new Set<string>();
  private allStale = false;
  /** A relearn came while a scan was running: the next scan is not kept waiting for the backoff. */
  private relearnMeanwhile = false;

  constructor(private readonly options: DockerContainersOptions) {
    const socketPath = options.socketPath;
    // A short bound: stopping the daemon waits for a listing in flight.
    this.list = options.list ?? (() => listContainers(socketPath, LIST_TIMEOUT_MS));
  }

  start(): void {
    // Store changes come in bursts (a join is several commits, a pool batch hundreds): one
    // scan per backoff step at most, and the steps grow while Docker does not answer.
    this.unsubscribe = this.options.registry.onChange(() => this.soon(this.retryMs));
    this.soon(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Looks at a learnt container again (undefined: every one), e.g. after a rename. */
  relearn(containerId: string | undefined): void {
    if (containerId === undefined) this.allStale = true;
    else this.stale.add(containerId);
    if (this.running) this.relearnMeanwhile = true;
    this.soon(0);
  }

  /** Resolves once the learner has nothing to do (for tests). */
  async settled(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  /** Schedules a scan in `ms` (never inside the caller's stack: a Join may be the caller). */
  private soon(ms: number): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer !== undefined) {
      if (ms > 0) return; // a scan is already due
      this.options.clock.clearTimeout(this.timer);
    }
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      this.again = false;
      this.retry = false;
      this.running = this.scan()
        .catch((error: unknown) => {
          this.options.logger.debug({ err: error }, 'docker containers: cannot list them now; will retry');
          this.retry = true;
        })
        .finally(() => {
          this.running = undefined;
          const relearn = this.relearnMeanwhile;
          this.relearnMeanwhile = false;
          if (this.retry) {
            // The backoff is for endpoints Docker does not list yet (or for Docker not
            // answering); a rename told meanwhile must not wait up to MAX_RETRY_MS behind them.
            this.soon(relearn ? FIRST_RETRY_MS : this.retryMs);
            this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
            return;
          }
          this.retryMs = FIRST_RETRY_MS;
          if (this.again) this.soon(FIRST_RETRY_MS);
        });
    }, ms);
  }

  private async scan(): Promise<void> {
    const { registry, logger } = this.options;
    const local = await registry.endpoints.listOnHost();
    // Forget endpoints that are gone, so the misses follow the host's endpoints.
    const present = new Set(local.map((e) => e.endpointId));
    for (const id of this.misses.keys()) if (!present.has(id)) this.misses.delete(id);
    const stale = this.stale;
    const allStale = this.allStale;
    this.stale = new Set();
    this.allStale = false;
    const again = (e: EndpointRecord): boolean =>
      e.container !== undefined && (allStale || stale.has(e.container.id)) && e.attachment === undefined;
    const pending = local.filter((e) => this.wanted(e) || again(e));
    if (pending.length === 0) return;
    const byEndpoint = new Map<string, ListedContainer>();
    try {
      for (const c of await this.list()) for (const id of c.endpointIds) byEndpoint.set(id, c);
    } catch (error) {
      // Asked again with the retry.
      for (const id of stale) this.stale.add(id);
      this.allStale ||= allStale;
      throw error;
    }
    for (const e of pending) {
      const found = byEndpoint.get(e.endpointId);
      if (e.container !== undefined) {
        // Learnt before: only a change is written (a container gone meanwhile is its Leave's).
        if (found && !sameFacts(e.container, found)) {
          await this.learn(e, found);
          logger.info(
            { endpoint: e.endpointId, was: e.container.name, container: found.name },
            'docker container changed (renamed or relabelled): learnt again',
          );
        }
        continue;
      }
      if (!found) {
        const misses = (this.misses.get(e.endpointId) ?? 0) + 1;
        this.misses.set(e.endpointId, misses);
        if (misses < GIVE_UP_AFTER) this.retry = true;
        else logger.debug({ endpoint: e.endpointId }, 'docker containers: no container lists this endpoint');
        continue;
      }
      this.misses.delete(e.endpointId);
      await this.learn(e, found);
    }
  }

  private async learn(e: EndpointRecord, found: ListedContainer): Promise<void> {
    const { registry, logger } = this.options;
    const container = { id: found.id, name: found.name, labels: { ...found.labels } };
    await registry.endpoints
      .update(e.networkId, e.endpointId, (record) => ({ ...record, container }))
      .catch((error: unknown) => logger.debug({ err: error, endpoint: e.endpointId }, 'endpoint gone meanwhile'));
    logger.debug({ endpoint: e.endpointId, container: found.name }, 'docker container learnt');
  }

  /** Joined to a sandbox, not learnt yet, not given up on, and not a port attached by hand. */
  private wanted(e: EndpointRecord): boolean {
    return (
      e.sandboxKey !== undefined &&
      e.container === undefined &&
      e.attachment === undefined &&
      (this.misses.get(e.endpointId) ?? 0) < GIVE_UP_AFTER
    );
  }
}

function sameFacts(known: ContainerFacts, listed: ListedContainer): boolean {
  return (
    known.id === listed.id &&
    known.name === listed.name &&
    JSON.stringify(known.labels) === JSON.stringify(listed.labels)
  );
}
