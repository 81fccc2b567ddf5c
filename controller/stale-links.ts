// Removes the veths of deleted endpoints from the host after DeleteEndpoint has answered.
// Deleting a veth waits for the kernel's RCU grace periods (tens of milliseconds), which
// Docker would otherwise wait for on every `docker rm`. The registry records each such link
// in the transaction that deletes its endpoint, and forgets it only once the link is gone,
// so a crash in between leaves a record that the next start finishes.
// A join that reuses the name (same endpoint id created again) first waits for, or does,
// the removal: removal of one name is serialised here, so it can never run after the
// new veth exists.
import type { Logger } from './log';
import type { Registry } from './cnm/registry';
import type { HostLinks } from './host/links';
import { crashPoint } from './crash-points';

export class StaleLinks {
  private readonly removing = new Map<string, Promise<void>>();

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
      const recorded = mine.filter((_, i) => stale[i] === true);
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

  /** Removes every recorded stale link in the background; failures are retried on the next sweep. */
  sweep(): void {
    void (async () => this.removeAll(await this.registry.staleLinks.list()))().catch((error: unknown) =>
      this.logger.warn({ err: error }, 'could not remove the veths of deleted endpoints; will retry'),
    );
  }
}
