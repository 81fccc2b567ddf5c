// Endpoints Docker created but never joined. When ovsnet dies between committing a
// CreateEndpoint and answering it, Docker's retry arrives without a body and fails, and
// libnetwork does not call DeleteEndpoint for an endpoint whose creation failed: the record
// would hold its address and MAC forever, and the next container given that address by IPAM
// would be refused. Docker joins an endpoint right after creating it, so one that stays
// unjoined for a long grace period, with no call from Docker about it meanwhile, is such a
// leftover. The deletion is conditional on the record being still unjoined, so a Join that
// lands while the sweep runs keeps its endpoint (and the container its port).
import type { Clock } from '../clock';
import type { Registry } from './registry';
import type { EndpointRecord } from './records';
import { FirstSeen } from '../first-seen';
import { endpointKey, type EndpointActivity } from '../endpoint-activity';

/** Deletes an endpoint only while `onlyIf` holds for its record; true when it did. */
export type ConditionalEndpointDelete = (
  networkId: string,
  endpointId: string,
  onlyIf: (record: EndpointRecord) => boolean,
) => Promise<boolean>;

export class UnjoinedEndpoints {
  /** When each unjoined endpoint was first seen so (since this process started). */
  private readonly firstSeen = new FirstSeen();

  constructor(
    private readonly registry: Registry,
    private readonly remove: ConditionalEndpointDelete,
    private readonly clock: Clock,
    private readonly activity?: EndpointActivity,
  ) {}

  /** Deletes endpoints seen unjoined for at least `graceMs`; returns "network/endpoint" ids. */
  async sweep(graceMs: number): Promise<string[]> {
    const now = this.clock.now();
    // Once plugged (joined at least once), an endpoint is Docker's to delete. Another
    // host's endpoints are its own Docker's business: only this host's are judged here.
    const unjoined = (await this.registry.endpoints.listOnHost()).filter(isUnjoined);
    const since = this.firstSeen.observe(unjoined.map(idOf), now);
    const removed: string[] = [];
    for (const endpoint of unjoined) {
      const id = idOf(endpoint);
      const firstSeen = since.get(id) ?? now;
      const waitingSince = this.activity?.waitingSince(endpoint.networkId, endpoint.endpointId, firstSeen) ?? firstSeen;
      if (now - waitingSince < graceMs) continue;
      if (!(await this.remove(endpoint.networkId, endpoint.endpointId, isUnjoined))) continue;
      this.firstSeen.forget(id);
      removed.push(id);
    }
    return removed;
  }
}

function isUnjoined(endpoint: EndpointRecord): boolean {
  return !endpoint.plugged && endpoint.sandboxKey === undefined;
}

function idOf(endpoint: { networkId: string; endpointId: string }): string {
  return endpointKey(endpoint.networkId, endpoint.endpointId);
}
