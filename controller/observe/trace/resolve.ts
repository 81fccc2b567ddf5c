// A and B as a person names them: a container name, an endpoint id (or a prefix of at least
// 12 characters), an address, or gateway:NETWORK. Resolved against the records and the
// pipeline state the switch was last given (which holds the realised port numbers).
import type { PipelineState } from '../../../flows/pipeline/model';
import { invalid, notFound } from '../../errors';
import { networksReferredTo } from '../../cnm/network-ref';
import { contains, parseAddress, parseCidr } from '../../cnm/addresses';
import type { EndpointRecord, HostRecord, NetworkRecord } from '../../cnm/records';
import { gatewayMac } from '../../reconcile/desired-ports';
import type { Party, TunnelIngress } from './types';

export type Family = 4 | 6;

const bare = (cidr: string | undefined): string | undefined => cidr?.split('/')[0];
const familyOf = (address: string): Family => (address.includes(':') ? 6 : 4);
export const networkName = (n: NetworkRecord): string => n.name ?? n.id;

export interface Known {
  networks: readonly NetworkRecord[];
  endpoints: readonly EndpointRecord[];
  state: PipelineState;
  /** The cluster's hosts (for their names); absent on a single host. */
  hosts?: readonly HostRecord[];
}

/** A host as a trace names it: its id, else its number in the cluster. */
export function hostName(known: Known, tunnelIp: string): string {
  const record = known.hosts?.find((h) => h.tunnelIp === tunnelIp);
  if (record) return record.id;
  const numbered = known.state.remoteHosts?.find((h) => h.tunnelIp === tunnelIp);
  return numbered ? `#${numbered.id}` : tunnelIp;
}

/** The family a reference forces (an address literal), if any. */
export function familyOfRef(ref: string): Family | undefined {
  return /^[0-9a-fA-F:.]+$/.test(ref) && /[.:]/.test(ref) && !ref.startsWith('gateway:') ? familyOf(ref) : undefined;
}

export function resolveParty(ref: string, known: Known, family: Family = 4): Party {
  if (ref.startsWith('gateway:')) return gatewayParty(networkNamed(ref.slice('gateway:'.length), known), known, family);
  const matches = known.endpoints.filter(
    (e) =>
      e.endpointId === ref ||
      (ref.length >= 12 && e.endpointId.startsWith(ref)) ||
      e.containerName === ref ||
      bare(e.ipv4) === ref ||
      bare(e.ipv6) === ref,
  );
  if (matches.length > 1) throw invalid(`"${ref}" names ${matches.length} endpoints; use an endpoint id`);
  if (matches.length === 1) return endpointParty(matches[0] as EndpointRecord, known, familyOfRef(ref) ?? family);
  if (familyOfRef(ref) !== undefined) return addressParty(ref, known);
  throw notFound(`no container, endpoint or address "${ref}" (gateway:NETWORK names a network's gateway)`);
}

function networkNamed(ref: string, known: Known): NetworkRecord {
  const found = networksReferredTo(known.networks, ref);
  if (found.length !== 1)
    throw found.length === 0 ? notFound(`no network "${ref}"`) : invalid(`"${ref}" matches ${found.length} networks`);
  return found[0] as NetworkRecord;
}

function gatewayParty(network: NetworkRecord, known: Known, family: Family): Party {
  const subnets = family === 4 ? network.ipv4 : network.ipv6;
  const ip = subnets.find((s) => s.gateway !== undefined)?.gateway;
  if (ip === undefined) throw invalid(`network ${networkName(network)} has no IPv${family} gateway`);
  const ofport = known.state.networks.find((n) => n.tag === network.tag)?.gateway?.ofport;
  return {
    label: `gateway:${networkName(network)}`,
    kind: 'gateway',
    networkId: network.id,
    networkName: networkName(network),
    ...(ofport !== undefined ? { ofport } : {}),
    mac: gatewayMac(network.tag),
    ip,
  };
}

function endpointParty(endpoint: EndpointRecord, known: Known, family: Family): Party {
  const network = known.networks.find((n) => n.id === endpoint.networkId);
  const ip = bare(family === 6 ? endpoint.ipv6 : endpoint.ipv4) ?? bare(endpoint.ipv4) ?? bare(endpoint.ipv6);
  if (ip === undefined) throw invalid(`endpoint ${endpoint.endpointId} has no address`);
  // The port the switch knows it by; absent for an endpoint of another host.
  const realised = known.state.endpoints.find((e) => e.mac === endpoint.mac && e.networkTag === network?.tag);
  return {
    label: endpoint.containerName ?? endpoint.endpointId.slice(0, 12),
    kind: 'endpoint',
    networkId: endpoint.networkId,
    ...(network ? { networkName: networkName(network) } : {}),
    endpointId: endpoint.endpointId,
    ...(realised ? { ofport: realised.ofport } : {}),
    mac: endpoint.mac,
    ip,
    ...(realised || !network ? {} : ingressOf(endpoint, network, known)),
  };
}

/** How an endpoint of another host reaches this switch: the tunnel of its network, from its host. */
function ingressOf(endpoint: EndpointRecord, network: NetworkRecord, known: Known): { ingress?: TunnelIngress } {
  const { state } = known;
  const remote = state.remoteEndpoints?.find((r) => r.mac === endpoint.mac && r.networkTag === network.tag);
  const host = state.remoteHosts?.find((h) => h.id === remote?.host && h.alive);
  const pipelineNetwork = state.networks.find((n) => n.tag === network.tag);
  const type = pipelineNetwork?.tunnel ?? 'vxlan';
  const port = state.tunnels?.find((t) => t.type === type);
  if (!host || !port || pipelineNetwork?.vni === undefined) return {};
  return {
    ingress: {
      type,
      ofport: port.ofport,
      srcIp: host.tunnelIp,
      host: hostName(known, host.tunnelIp),
      vni: pipelineNetwork.vni,
    },
  };
}

/** An address no endpoint holds: a gateway's, one in a network's subnet, or outside. */
function addressParty(ref: string, known: Known): Party {
  const { value } = parseAddress(ref, 'address');
  for (const network of known.networks) {
    const subnets = [...network.ipv4, ...network.ipv6];
    if (subnets.some((s) => s.gateway === ref)) return gatewayParty(network, known, familyOf(ref));
  }
  const home = known.networks.find((n) =>
    [...n.ipv4, ...n.ipv6].some((s) => familyOf(s.pool) === familyOf(ref) && contains(parseCidr(s.pool), value)),
  );
  return {
    label: ref,
    kind: 'address',
    ...(home ? { networkId: home.id, networkName: networkName(home) } : {}),
    ip: ref,
  };
}
