// `ovsnet host ls`: the cluster's hosts as one list, from the live hosts' records and the
// endpoint records that name a host. A host whose lease expired has no record any more but
// keeps its endpoints until it returns or is removed (`ovsnet host rm`), so it is listed,
// as not alive, for as long as it owns any.
import type { EndpointRecord, HostRecord } from './records';

export interface HostListing {
  id: string;
  /** Known while the host is alive (its record carries it). */
  tunnelIp?: string;
  /** The host's lease is current. */
  alive: boolean;
  /** When its daemon (re)joined, while alive. */
  since?: string;
  /** Endpoint records that name the host, in every network. */
  endpoints: number;
}

export function hostListing(live: readonly HostRecord[], endpoints: readonly EndpointRecord[]): HostListing[] {
  const counts = new Map<string, number>();
  for (const e of endpoints) if (e.host !== undefined) counts.set(e.host, (counts.get(e.host) ?? 0) + 1);
  const listed: HostListing[] = live.map((h) => ({
    id: h.id,
    tunnelIp: h.tunnelIp,
    alive: true,
    since: h.since,
    endpoints: counts.get(h.id) ?? 0,
  }));
  const alive = new Set(live.map((h) => h.id));
  for (const [id, count] of counts) if (!alive.has(id)) listed.push({ id, alive: false, endpoints: count });
  return listed.sort((a, b) => a.id.localeCompare(b.id));
}
