// What the controller stores for each CNM object, and the store keys they live under.
// Keys are grouped by prefix so one `list` finds a kind; uniqueness of names, tags,
// addresses and MACs is kept by index keys written in the same transaction as the object.
import type { AllowRule, NetworkSpec } from './types';

export interface NetworkRecord extends NetworkSpec {
  /** Cross-host identity: ovsnet.name, else vni-<vni>, else the id. */
  key: string;
  /** Small number that marks the network in the OpenFlow pipeline (a register value). */
  tag: number;
  /** OpenFlow port requested for the network's gateway (internal) port. */
  gatewayOfport: number;
  /** Name of the gateway internal port on the integration bridge. */
  gatewayIfname: string;
}

/** A container attached by hand: the reference as typed and the interface name inside it. */
export interface ManualAttachment {
  containerId: string;
  containerIface: string;
}

export interface EndpointRecord {
  networkId: string;
  endpointId: string;
  ipv4?: string;
  ipv6?: string;
  mac: string;
  hostIfname: string;
  containerIfname: string;
  containerName?: string;
  /** OpenFlow port requested for the endpoint's OVS port (stable across restarts). */
  ofport: number;
  /** Set once the veth exists and the port belongs on the bridge (join until delete). */
  plugged?: boolean;
  /** The veth and OVS port came ready-made from the port pool (see port-pool.ts). */
  pooled?: boolean;
  /** Set while joined to a sandbox. */
  sandboxKey?: string;
  /** Set for ports made by `ovsnet attach`: labels ovs-docker also understands. */
  attachment?: ManualAttachment;
  /** Published ports, from ProgramExternalConnectivity. */
  ports?: Array<{ proto: string; containerPort: number; hostIp?: string; hostPort: number; hostPortEnd?: number }>;
}

/** A pooled veth pair: `hostIfname` is an OVS port under `ofport`, `containerIfname` its peer. */
export interface PoolSlotRecord {
  hostIfname: string;
  containerIfname: string;
  ofport: number;
  /** The veth pair exists: only then does the port belong on the bridge. */
  made?: boolean;
}

/**
 * Owners: who holds an OpenFlow port number (the value of `ofport/<n>`) and, the same
 * string, which OVS port belongs to whom (external_ids:ovsnet-owner).
 */
export function endpointOwner(networkId: string, endpointId: string): string {
  return `endpoint:${networkId}/${endpointId}`;
}

/** The owner of a network's gateway (internal) port and of its OpenFlow port number. */
export function gatewayOwner(networkId: string): string {
  return `gateway:${networkId}`;
}

export const POOL_OWNER_PREFIX = 'pool:';

/**
 * A pooled port keeps the owner it was made with when an endpoint takes it: a changed
 * owner would mean removing and adding the port, the reconfiguration the pool avoids.
 */
export function poolOwner(hostIfname: string): string {
  return `${POOL_OWNER_PREFIX}${hostIfname}`;
}

export const keys = {
  network: (id: string) => `net/${id}`,
  networks: () => 'net/',
  networkKey: (key: string) => `netkey/${key}`,
  tag: (tag: number) => `tag/${String(tag).padStart(5, '0')}`,
  tags: () => 'tag/',
  endpoint: (networkId: string, endpointId: string) => `ep/${networkId}/${endpointId}`,
  endpoints: (networkId?: string) => (networkId === undefined ? 'ep/' : `ep/${networkId}/`),
  address: (networkId: string, address: string) => `addr/${networkId}/${address}`,
  mac: (networkId: string, mac: string) => `mac/${networkId}/${mac}`,
  ofport: (ofport: number) => `ofport/${ofport}`,
  ofports: () => 'ofport/',
  /** A published host port, held by the endpoint id it maps to. */
  hostPort: (proto: string, port: number) => `hostport/${proto}/${port}`,
  hostPorts: () => 'hostport/',
  /** A deleted endpoint's host link, until it is gone from the host (see stale-links.ts). */
  staleLink: (name: string) => `unlink/${name}`,
  staleLinks: () => 'unlink/',
  /** A veth pair on the bridge, made ahead of demand, that no endpoint holds yet. */
  poolSlot: (hostIfname: string) => `pool/${hostIfname}`,
  poolSlots: () => 'pool/',
  rule: (id: string) => `rule/${id}`,
  rules: () => 'rule/',
  /** An IPAM pool (Docker's RequestPool), with its reference count. */
  ipamPool: (poolId: string) => `ipam/pool/${poolId}`,
  ipamPools: () => 'ipam/pool/',
  /** An address IPAM handed out from a pool, held by its owner. */
  ipamAddress: (poolId: string, address: string) => `ipam/addr/${poolId}/${address}`,
  ipamAddresses: (poolId: string) => `ipam/addr/${poolId}/`,
};

export type { AllowRule };

/** Highest network tag: tags share a 16-bit register field with nothing else. */
export const MAX_NETWORK_TAG = 0xffff;

/** Ports ovsnet creates get OpenFlow numbers from this range (docs/design.md §4), below OFPP_MAX. */
export const FIRST_CONTROLLER_OFPORT = 32768;
export const LAST_CONTROLLER_OFPORT = 0xfeff;
