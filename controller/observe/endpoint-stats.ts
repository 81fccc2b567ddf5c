// Per-endpoint counters from the switch's port statistics (OpenFlow port stats: the
// datapath's own counters, exact and current, read in one request for all ports). Named
// from the container's side: what it sent is what its port received, and the other way
// round.
import type { PipelineState } from '../../flows/pipeline/model';
import type { PortStats } from '../../flows/ofp/types';
import type { EndpointRecord, NetworkRecord } from '../cnm/records';
import { notFound } from '../errors';
import { networkName } from './trace/resolve';

export interface Traffic {
  packets: number;
  bytes: number;
  dropped: number;
}

export interface EndpointCounters {
  network: string;
  /** The container's name, else the endpoint id's first 12 characters. */
  container: string;
  endpointId: string;
  ofport: number;
  /** From the container: what its port received. */
  sent: Traffic;
  /** To the container: what its port transmitted. */
  received: Traffic;
}

export interface StatsSources {
  networks: () => Promise<NetworkRecord[]>;
  /** This host's endpoints. */
  endpoints: () => Promise<EndpointRecord[]>;
  pipeline: () => PipelineState | undefined;
  portStats: () => Promise<PortStats[]>;
}

export const endpointLabel = (e: EndpointRecord): string => e.containerName ?? e.endpointId.slice(0, 12);

/** Counters of every plugged endpoint of this host, or of the one `name` refers to. */
export async function endpointStats(sources: StatsSources, name?: string): Promise<EndpointCounters[]> {
  // Asked first: the switch takes longer to answer (a netlink read per port) than the
  // listings below, which are done meanwhile.
  const portStats = sources.portStats();
  portStats.catch(() => undefined); // awaited below; a failure before then is not unhandled
  const networks = await sources.networks();
  let endpoints = (await sources.endpoints()).filter((e) => e.plugged === true);
  if (name !== undefined) {
    endpoints = endpoints.filter(
      (e) => e.containerName === name || e.endpointId === name || (name.length >= 12 && e.endpointId.startsWith(name)),
    );
    if (endpoints.length === 0) throw notFound(`no endpoint "${name}" on this host`);
  }
  const state = sources.pipeline();
  const stats = new Map((await portStats).map((s) => [s.portNo, s]));
  // Looked up by key: a scrape of a host with thousands of endpoints stays linear.
  const networkById = new Map(networks.map((n) => [n.id, n]));
  const realised = new Map((state?.endpoints ?? []).map((p) => [`${p.networkTag}/${p.mac}`, p.ofport]));
  const rows: EndpointCounters[] = [];
  for (const e of endpoints) {
    const network = networkById.get(e.networkId);
    if (!network) continue;
    const ofport = realised.get(`${network.tag}/${e.mac}`) ?? e.ofport;
    const s = stats.get(ofport);
    rows.push({
      network: networkName(network),
      container: endpointLabel(e),
      endpointId: e.endpointId,
      ofport,
      sent: { packets: num(s?.rxPackets), bytes: num(s?.rxBytes), dropped: num(s?.rxDropped) },
      received: { packets: num(s?.txPackets), bytes: num(s?.txBytes), dropped: num(s?.txDropped) },
    });
  }
  // Code-point order: locale-aware comparison costs a scrape of thousands of rows dearly.
  const order = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
  return rows.sort((a, b) => order(a.network, b.network) || order(a.container, b.container));
}

/** OpenFlow reports an unsupported counter as all ones: shown as 0. */
function num(value: bigint | undefined): number {
  return value === undefined || value === 0xffffffffffffffffn ? 0 : Number(value);
}
