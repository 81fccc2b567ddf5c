// Which OVS ports the bridge should have, derived from the registry: one per plugged
// endpoint (its host-side veth), one per pool slot (a veth made ahead of demand) and one
// internal port per network holding the gateway address. Every port ovsnet owns carries
// external_ids:ovsnet-owner so orphans can be found and nothing else on the bridge is ever
// touched.
import {
  endpointOwner,
  gatewayOwner,
  poolOwner,
  TUNNEL_OFPORTS,
  TUNNEL_PORT_NAMES,
  type EndpointRecord,
  type NetworkRecord,
  type PoolSlotRecord,
} from '../cnm/records';
import type { TunnelType } from '../cnm/types';
import { networkMtu } from '../cnm/mtu';

export const OWNER_KEY = 'ovsnet-owner';

export interface PortIntent {
  name: string;
  /**
   * OVS Interface.type: '' for a veth opened as a system device, 'internal' for a gateway,
   * 'vxlan' or 'gre' for a flow-based tunnel port.
   */
  type: '' | 'internal' | TunnelType;
  ofportRequest: number;
  owner: string;
  mtu?: number;
  /** MAC for internal (gateway) ports. */
  mac?: string;
  /** ovs-docker compatible keys for ports of attached containers. */
  externalIds?: Record<string, string>;
  /** Interface options (a tunnel port's remote_ip=flow, key=flow). */
  options?: Record<string, string>;
}

export const TUNNEL_OWNER_PREFIX = 'tunnel:';

/**
 * The flow-based tunnel ports of a cluster host, one per type: the flows choose the peer
 * (tun_dst) and the key (tun_id, the VNI) per packet, so hosts and networks come and go
 * without any port change.
 */
export function tunnelPorts(): PortIntent[] {
  return (Object.keys(TUNNEL_PORT_NAMES) as TunnelType[]).map((type) => ({
    name: TUNNEL_PORT_NAMES[type],
    type,
    ofportRequest: TUNNEL_OFPORTS[type],
    owner: `${TUNNEL_OWNER_PREFIX}${type}`,
    options: { remote_ip: 'flow', key: 'flow' },
  }));
}

/** The gateway port's MAC, derived from the network tag so it is known before OVS reports it. */
export function gatewayMac(tag: number): string {
  return `02:0e:00:00:${((tag >> 8) & 0xff).toString(16).padStart(2, '0')}:${(tag & 0xff).toString(16).padStart(2, '0')}`;
}

/**
 * `gateways`: this host's OpenFlow port number for each network's gateway (gateway-ports.ts);
 * a network without one yet gets its gateway port once it has.
 */
export function desiredPorts(
  networks: NetworkRecord[],
  endpoints: EndpointRecord[],
  slots: PoolSlotRecord[],
  gateways: ReadonlyMap<string, number>,
  clustered = false,
): PortIntent[] {
  const byId = new Map(networks.map((n) => [n.id, n]));
  const ports: PortIntent[] = [];
  for (const network of networks) {
    const ofport = gateways.get(network.id);
    if (ofport === undefined) continue;
    ports.push({
      name: network.gatewayIfname,
      type: 'internal',
      ofportRequest: ofport,
      owner: gatewayOwner(network.id),
      mac: gatewayMac(network.tag),
      ...mtuOf(network, clustered),
    });
  }
  for (const endpoint of endpoints) {
    if (!endpoint.plugged) continue;
    const network = byId.get(endpoint.networkId);
    if (!network) continue; // cannot happen while the registry keeps its invariants
    ports.push({
      name: endpoint.hostIfname,
      type: '',
      ofportRequest: endpoint.ofport,
      owner: endpoint.pooled ? poolOwner(endpoint.hostIfname) : endpointOwner(endpoint.networkId, endpoint.endpointId),
      ...mtuOf(network, clustered),
      ...(endpoint.attachment !== undefined
        ? {
            externalIds: {
              container_id: endpoint.attachment.containerId,
              container_iface: endpoint.attachment.containerIface,
            },
          }
        : {}),
    });
  }
  for (const slot of slots)
    if (slot.made)
      ports.push({ name: slot.hostIfname, type: '', ofportRequest: slot.ofport, owner: poolOwner(slot.hostIfname) });
  return ports;
}

function mtuOf(network: NetworkRecord, clustered: boolean): { mtu?: number } {
  const mtu = networkMtu(network, clustered);
  return mtu !== undefined ? { mtu } : {};
}

export interface PortPlan {
  add: PortIntent[];
  /** Names of owned ports that no longer belong (or must be recreated). */
  remove: string[];
}

/**
 * Compares intent with the ports the bridge holds. Only ports carrying an owner are
 * considered actual; a port whose settings drifted is removed and added again.
 */
export function planPorts(desired: PortIntent[], actual: PortIntent[]): PortPlan {
  const have = new Map(actual.map((p) => [p.name, p]));
  const want = new Map(desired.map((p) => [p.name, p]));
  const plan: PortPlan = { add: [], remove: [] };
  for (const [name, port] of have) {
    const target = want.get(name);
    if (!target || !samePort(target, port)) plan.remove.push(name);
  }
  for (const [name, port] of want) {
    const current = have.get(name);
    if (!current || !samePort(port, current)) plan.add.push(port);
  }
  plan.remove.sort();
  plan.add.sort((a, b) => a.name.localeCompare(b.name));
  return plan;
}

/** Same port as far as ovsnet cares: a difference in any of these means remove and add again. */
export function samePort(a: PortIntent, b: PortIntent): boolean {
  return a.type === b.type && a.ofportRequest === b.ofportRequest && a.owner === b.owner;
}
