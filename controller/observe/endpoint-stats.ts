// Per-endpoint counters from the switch's port statistics (OpenFlow port stats: the
// datapath's own counters, exact and current, read in one request for all ports). Named
// from the container's side: what it sent is what its port received, and the other way
// round.
import type { PipelineState } from '../../flows/pipeline/model';
import { UNKEPT_COUNTER, type PortStats } from '../../flows/ofp/types';
import {
  FIRST_CONTROLLER_OFPORT,
  LAST_CONTROLLER_OFPORT,
  type EndpointRecord,
  type NetworkRecord,
} from '../cnm/records';
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
  const statsOf = portsByNumber(await portStats);
  // Looked up by key: a scrape of a host with thousands of endpoints stays linear.
  const networkById = new Map(networks.map((n) => [n.id, n]));
  const realised = realisedPorts(sources.pipeline());
  const rows: EndpointCounters[] = [];
  for (const e of endpoints) {
    const network = networkById.get(e.networkId);
    if (!network) continue;
    const ofport = realised.get(network.tag)?.get(e.mac) ?? e.ofport;
    const s = statsOf(ofport);
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

/**
 * The statistics by port number. The ports ovsnet numbers (from 32768, mostly together) go in
 * a dense array from the lowest of them, which a scrape of a thousand ports builds for a
 * fraction of what a Map costs in time and garbage; the few others (tunnels, ports added by
 * hand, LOCAL) in a Map.
 */
function portsByNumber(stats: readonly PortStats[]): (portNo: number) => PortStats | undefined {
  const ours = (portNo: number): boolean => portNo >= FIRST_CONTROLLER_OFPORT && portNo <= LAST_CONTROLLER_OFPORT;
  let low = LAST_CONTROLLER_OFPORT;
  let high = FIRST_CONTROLLER_OFPORT - 1;
  const others = new Map<number, PortStats>();
  for (const s of stats) {
    if (!ours(s.portNo)) others.set(s.portNo, s);
    else {
      low = Math.min(low, s.portNo);
      high = Math.max(high, s.portNo);
    }
  }
  const dense = new Array<PortStats | undefined>(Math.max(0, high - low + 1));
  for (const s of stats) if (ours(s.portNo)) dense[s.portNo - low] = s;
  return (portNo) => (portNo >= low && portNo <= high ? dense[portNo - low] : others.get(portNo));
}

/** Ports of the last pass by network tag and MAC, made once per pass (scrapes come far more often). */
const realisedByPass = new WeakMap<PipelineState, Map<number, Map<string, number>>>();

function realisedPorts(state: PipelineState | undefined): Map<number, Map<string, number>> {
  if (!state) return new Map();
  let byTag = realisedByPass.get(state);
  if (byTag) return byTag;
  byTag = new Map();
  for (const p of state.endpoints) {
    let byMac = byTag.get(p.networkTag);
    if (!byMac) byTag.set(p.networkTag, (byMac = new Map<string, number>()));
    byMac.set(p.mac, p.ofport);
  }
  realisedByPass.set(state, byTag);
  return byTag;
}

/** A counter the switch does not keep is shown as 0. */
function num(value: number | undefined): number {
  return value === undefined || value >= UNKEPT_COUNTER ? 0 : value;
}
