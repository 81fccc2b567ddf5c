// Removes the veths of deleted endpoints from the host after DeleteEndpoint has answered.
// Deleting a veth waits for the kernel's RCU grace periods (tens of milliseconds), which
// Docker would otherwise wait for on every `docker rm`. The registry records each such link
// in the transaction that deletes its endpoint, and forgets it only once the link is gone,
// so a crash in between leaves a record that the next start finishes.
// A join that reuses the name (same endpoint id created again) first waits for, or does,
// the removal: removal of one name is serialised here, so it can never run after the
// new veth exists.
// A veth made for an endpoint created already joined (NetworkService.createJoined) is
// recorded as stale from before it is made until the request has answered, and no sweep
// touches it while the request runs. A record left by a crash or a lost answer says the
// request never finished: with no endpoint owning the link, the link goes; with a plugged
// endpoint of this host owning it, that endpoint is unfinished (see `unfinished`), and it
// goes first, then the link. A lost answer from etcd keeps the hold past the request
// (`keepUntil`) until etcd can say whether the endpoint was stored: etcd may apply the
// write when it wakes, after a sweep judging by this host's copy would have taken the link.
import type { Logger } from './log';
import type { Registry } from './cnm/registry';
import type { HostLinks } from './host/links';
import { crashPoint } from './crash-points';
import { Holds } from './holds';
import { ControllerError } from './errors';
import type { StaleLinkOrigin } from './cnm/stale-link-records';
import type { EndpointRecord } from './cnm/records';

export class StaleLinks {
  private readonly removing = new Map<string, Promise<void>>();
  /** Links being made under a stale record by requests still running. */
  private readonly making = new Holds();

  constructor(
    private readonly registry: Registry,
    private readonly links: HostLinks,
    private readonly logger: Logger,
  ) {}

  /** Removes `name` if it is recorded as stale; resolves once it is gone (or was never stale). */
  remove(name: string): Promise<void> {
    return this.removeAll([name]);
  }

  /**
   * Removes those of `names` that are recorded as stale, together: one `ip` and one
   * transaction for all (a pool giving back hundreds of idle pairs made as many processes and
   * fsyncs, one after another). A name whose removal is already under way is waited for.
   * Links that could not be removed stay recorded, for the next sweep, and fail the call.
   */
  async removeAll(names: readonly string[]): Promise<void> {
    const waits = names.flatMap((name) => {
      const running = this.removing.get(name);
      return running ? [running] : [];
    });
    const mine = names.filter((name) => !this.removing.has(name));
    const work = (async () => {
      const stale = await Promise.all(mine.map((name) => this.registry.staleLinks.has(name)));
      const candidates = mine.filter((name, i) => stale[i] === true && !this.making.has(name));
      const owned = candidates.length > 0 ? await this.pluggedOwners() : new Map<string, EndpointRecord>();
      const recorded = candidates.filter((name) => !owned.has(name));
      const failed = await this.links.deleteLinks(recorded);
      if (recorded.length > failed.size) crashPoint('delete-endpoint:after-unlink');
      await this.registry.staleLinks.forgetAll(recorded.filter((name) => !failed.has(name)));
      const [only, ...more] = failed.values();
      if (only && more.length === 0) throw only;
      if (only)
        throw new Error(`could not remove ${failed.size} veths: ${[only, ...more].map((e) => e.message).join('; ')}`);
    })();
    const settled = work.finally(() => {
      for (const name of mine) if (this.removing.get(name) === settled) this.removing.delete(name);
    });
    for (const name of mine) this.removing.set(name, settled);
    await Promise.all([settled, ...waits]);
  }

  /**
   * Records `name` as stale before the link is made, and keeps sweeps off it until the
   * returned `end` is called, when the request that makes it is over (having forgotten the
   * record if it succeeded). A removal of the same name still under way, or a stale link of
   * that name, is dealt with first.
   */
  async beginMaking(name: string, origin: StaleLinkOrigin): Promise<() => void> {
    this.refuseIfMaking(name);
    await this.remove(name);
    this.refuseIfMaking(name);
    const end = this.making.take(name);
    try {
      await this.registry.staleLinks.record(name, origin);
    } catch (error) {
      end();
      throw error;
    }
    return end;
  }

  /**
   * Keeps sweeps off `name` until `settled` ends: the request that made it lost the cluster
   * store's answer, so its endpoint may yet appear there; judged before the store can say,
   * the link would look unowned and go, and the endpoint then stored would have no veth.
   */
  keepUntil(name: string, settled: Promise<unknown>): void {
    const end = this.making.take(name);
    settled.then(end, end);
  }

  /**
   * A request making `name` (or settling it, see keepUntil) has not finished: another one for
   * the same link is refused, since the two would take each other's veth and endpoint.
   */
  refuseIfMaking(name: string): void {
    if (this.making.has(name))
      throw new ControllerError(
        'CONFLICT',
        `an earlier request making ${name} has not finished (its answer from the cluster store may have been lost); try again shortly`,
      );
  }

  /** The request that made the link answered: the link is its endpoint's for good. */
  async forget(name: string): Promise<void> {
    await this.registry.staleLinks.forgetAll([name]);
  }

  /**
   * Plugged endpoints of this host whose veth is still recorded as stale while no request is
   * making it: requests that made them and stored them, then never answered.
   */
  async unfinished(): Promise<EndpointRecord[]> {
    const stale = new Set(await this.registry.staleLinks.list());
    if (stale.size === 0) return [];
    return [...(await this.pluggedOwners())]
      .filter(([name]) => stale.has(name) && !this.making.has(name))
      .map(([, endpoint]) => endpoint);
  }

  /** Whether `endpoint` is one of those (see `unfinished`). */
  async isUnfinished(endpoint: EndpointRecord): Promise<boolean> {
    const name = endpoint.hostIfname;
    return endpoint.plugged === true && !this.making.has(name) && (await this.registry.staleLinks.has(name));
  }

  private async pluggedOwners(): Promise<Map<string, EndpointRecord>> {
    const endpoints = await this.registry.endpoints.listOnHost();
    return new Map(endpoints.filter((e) => e.plugged === true).map((e) => [e.hostIfname, e]));
  }

  /** Removes every recorded stale link in the background; failures are retried on the next sweep. */
  sweep(): void {
    void (async () => this.removeAll(await this.registry.staleLinks.list()))().catch((error: unknown) =>
      this.logger.warn({ err: error }, 'could not remove the veths of deleted endpoints; will retry'),
    );
  }
}
