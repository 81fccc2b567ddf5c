// Endpoints Docker created but never joined. When ovsnet dies between committing a
// CreateEndpoint and answering it, Docker's retry arrives without a body and fails, and
// libnetwork does not call DeleteEndpoint for an endpoint whose creation failed: the record
// would hold its address and MAC forever, and the next container given that address by IPAM
// would be refused. Docker joins an endpoint right after creating it, so one that stays
// unjoined for a long grace period is such a leftover.
import type { Clock } from '../clock';
import type { Registry } from './registry';
import { FirstSeen } from '../first-seen';

export class UnjoinedEndpoints {
  /** When each unjoined endpoint was first seen so (since this process started). */
  private readonly firstSeen = new FirstSeen();

  constructor(
    private readonly registry: Registry,
    private readonly remove: (networkId: string, endpointId: string) => Promise<void>,
    private readonly clock: Clock,
  ) {}

  /** Deletes endpoints seen unjoined for at least `graceMs`; returns "network/endpoint" ids. */
  async sweep(graceMs: number): Promise<string[]> {
    const now = this.clock.now();
    // Once plugged (joined at least once), an endpoint is Docker's to delete. Another
    // host's endpoints are its own Docker's business: only this host's are judged here.
    const unjoined = (await this.registry.endpoints.listOnHost()).filter(
      (e) => !e.plugged && e.sandboxKey === undefined,
    );
    const since = this.firstSeen.observe(unjoined.map(idOf), now);
    const removed: string[] = [];
    for (const endpoint of unjoined) {
      const id = idOf(endpoint);
      if (now - (since.get(id) ?? now) < graceMs) continue;
      const current = await this.registry.endpoints.get(endpoint.networkId, endpoint.endpointId);
      if (current === undefined || current.plugged || current.sandboxKey !== undefined) continue;
      await this.remove(endpoint.networkId, endpoint.endpointId);
      this.firstSeen.forget(id);
      removed.push(id);
    }
    return removed;
  }
}

function idOf(endpoint: { networkId: string; endpointId: string }): string {
  return `${endpoint.networkId}/${endpoint.endpointId}`;
}
