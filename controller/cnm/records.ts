// What the controller stores for each CNM object, and the store keys they live under.
// Keys are grouped by prefix so one `list` finds a kind; uniqueness of names, tags,
// addresses and MACs is kept by index keys written in the same transaction as the object.
import type { AllowRule, NetworkSpec } from './types';

export interface NetworkRecord extends NetworkSpec {
  /** Cross-host identity: ovsnet.name, else vni-<vni>, else the id. */
  key: string;
  /** Small number that marks the network in the OpenFlow pipeline (a register value). */
  tag: number;
  /**
   * Older state only: the gateway's OpenFlow port number, once stored with the network. The
   * number is host-local, so each host now keeps its own in `gw/<id>` (gateway-ports.ts moves
   * this one there at start).
   */
  gatewayOfport?: number;
  /** Name of the gateway internal port on the integration bridge. */
  gatewayIfname: string;
  /** The VNI was allocated by ovsnet (the request named none). */
  vniAllocated?: boolean;
  /** The host whose request created it (cluster store only), named when a request clashes. */
  host?: string;
}

/**
 * Another host's Docker id for a cluster network (`netalias/<dockerId>`): Docker gives each
 * host's copy of a network an id of its own, and every request naming one is served by the
 * network it stands for (network-aliases.ts).
 */
export interface NetworkAliasRecord {
  network: string;
  host: string;
  /** When it was recorded (ms): a Docker network is listed by its engine only after its CreateNetwork. */
  at?: number;
}

/** A Docker container as allow rules select it: by id, name or label. */
export interface ContainerFacts {
  id: string;
  name: string;
  labels: Record<string, string>;
}

/** A container attached by hand: the reference as typed and the interface name inside it. */
export interface ManualAttachment {
  containerId: string;
  containerIface: string;
}

export interface EndpointRecord {
  networkId: string;
  endpointId: string;
  /** Id of the host the endpoint lives on (cluster store only; absent on a single host). */
  host?: string;
  ipv4?: string;
  ipv6?: string;
  mac: string;
  hostIfname: string;
  containerIfname: string;
  containerName?: string;
  /** What Docker says of the container behind the endpoint, learnt after Join (host/docker-containers.ts). */
  container?: ContainerFacts;
  /** OpenFlow port requested for the endpoint's OVS port (stable across restarts). */
  ofport: number;
  /** Set once the veth exists and the port belongs on the bridge (join until delete). */
  plugged?: boolean;
  /** The veth and OVS port came ready-made from the port pool (see port-pool.ts). */
  pooled?: boolean;
  /** Set while joined to a sandbox. */
  sandboxKey?: string;
  /** IPAM reservations (`ipam/addr/…` keys) made for addresses picked for it, freed with it. */
  poolClaims?: string[];
  /** Set for ports made by `ovsnet attach`: labels ovs-docker also understands. */
  attachment?: ManualAttachment;
  /** Created by Docker's CreateEndpoint (docker-forgotten.ts). */
  fromDocker?: true;
  /** Published ports, from ProgramExternalConnectivity. */
  ports?: Array<{ proto: string; containerPort: number; hostIp?: string; hostPort: number; hostPortEnd?: number }>;
}

/**
 * The endpoint lives on this host (`hostId`; undefined on a single host, where every
 * endpoint does). Only such endpoints get ports, veths and flows here.
 */
export function onHost(endpoint: EndpointRecord, hostId: string | undefined): boolean {
  return hostId === undefined || endpoint.host === hostId;
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

/** Who an owner string names; undefined for a string no function here builds. */
export type Owner =
  | { kind: 'endpoint'; networkId: string; endpointId: string }
  | { kind: 'gateway'; networkId: string }
  | { kind: 'pool'; hostIfname: string };

export function parseOwner(owner: unknown): Owner | undefined {
  if (typeof owner !== 'string') return undefined;
  const endpoint = /^endpoint:([^/]+)\/(.+)$/.exec(owner);
  if (endpoint) return { kind: 'endpoint', networkId: endpoint[1] as string, endpointId: endpoint[2] as string };
  if (owner.startsWith('gateway:')) return { kind: 'gateway', networkId: owner.slice('gateway:'.length) };
  if (owner.startsWith(POOL_OWNER_PREFIX)) return { kind: 'pool', hostIfname: owner.slice(POOL_OWNER_PREFIX.length) };
  return undefined;
}

export const keys = {
  network: (id: string) => `net/${id}`,
  networks: () => 'net/',
  networkKey: (key: string) => `netkey/${key}`,
  /**
   * Bumped by every network creation: subnets overlap by range, which no one key can guard,
   * so creations compare this one key and run one after another across the cluster.
   */
  networkSerial: () => 'netserial',
  /** A host's own Docker id for a cluster network (see network-aliases.ts). */
  networkAlias: (dockerId: string) => `netalias/${dockerId}`,
  networkAliases: () => 'netalias/',
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
  /** This host's OpenFlow port number for a network's gateway port (see gateway-ports.ts). */
  gatewayPort: (networkId: string) => `gw/${networkId}`,
  gatewayPorts: () => 'gw/',
  /** A live host of the cluster, written with its liveness lease (see cluster/membership.ts). */
  host: (hostId: string) => `hosts/${hostId}`,
  hosts: () => 'hosts/',
  /** A network's VNI, held by the network id: VNIs are unique in the cluster. */
  vni: (vni: number) => `vni/${vni}`,
  vnis: () => 'vni/',
  /** A host's small number (its pipeline id), held for good: `hostnum/<n>` -> id, `hostid/<id>` -> n. */
  hostNumber: (n: number) => `hostnum/${String(n).padStart(3, '0')}`,
  hostNumbers: () => 'hostnum/',
  hostNumberOf: (hostId: string) => `hostid/${hostId}`,
};

/**
 * Where each key lives (docs/design.md §3): keys under these prefixes are cluster-wide and go
 * to the cluster store when there is one; every other key is host-local.
 */
export const CLUSTER_PREFIXES: readonly string[] = [
  'net/',
  'netkey/',
  'netalias/',
  'netserial',
  'tag/',
  'ep/',
  'addr/',
  'mac/',
  'rule/',
  'ipam/',
  'hosts/',
  'vni/',
  'hostnum/',
  'hostid/',
];

/** The host-local prefixes, for reference: `ofport/`, `pool/`, `hostport/`, `unlink/`, `gw/`. */
export const HOST_PREFIXES: readonly string[] = ['ofport/', 'pool/', 'hostport/', 'unlink/', 'gw/'];

/**
 * Host-local records that say something was given up (a link to delete). A transaction that
 * spans both stores writes them only after its cluster part committed (tiered-store.ts): one
 * written ahead of a cluster part that then never committed would delete a link still in use.
 */
export const RELEASE_PREFIXES: readonly string[] = ['unlink/'];

/** A live host of the cluster (`hosts/<id>`). */
export interface HostRecord {
  id: string;
  /** The underlay address other hosts send this host's tunnel traffic to. */
  tunnelIp: string;
  /** When this host's daemon (re)joined, ISO 8601. */
  since: string;
  /**
   * Its number in the cluster (1..MAX_HOST_NUMBER, see cluster/host-number.ts): the id other
   * hosts' pipelines know it by. Absent only in records of older daemons.
   */
  number?: number;
}

/** Hosts are numbered 1..511: a remote endpoint's pipeline id is (host number, port offset) in 24 bits. */
export const MAX_HOST_NUMBER = 511;

export type { AllowRule };

/** Highest network tag: tags share a 16-bit register field with nothing else. */
export const MAX_NETWORK_TAG = 0xffff;

/** Ports ovsnet creates get OpenFlow numbers from this range (docs/design.md §4), below OFPP_MAX. */
export const FIRST_CONTROLLER_OFPORT = 32768;
export const LAST_CONTROLLER_OFPORT = 0xfefd;

/** The flow-based tunnel ports (one per type, cluster hosts only) take the two numbers above the range. */
export const TUNNEL_OFPORTS = { vxlan: 0xfefe, gre: 0xfeff } as const;

/** The tunnel port of each type on the integration bridge. */
export const TUNNEL_PORT_NAMES = { vxlan: 'ovsnet-vxlan', gre: 'ovsnet-gre' } as const;

/** Highest VNI (24 bits); allocated VNIs start at FIRST_ALLOCATED_VNI, below it is for `-o ovsnet.vni`. */
export const MAX_VNI = 0xffffff;
export const FIRST_ALLOCATED_VNI = 4096;
