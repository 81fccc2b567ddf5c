// The container network model as the controller's front ends see it (libnetwork's CNM:
// networks, endpoints, sandboxes), plus the request shapes of the northbound API. Plain data
// only: these values are stored, sent over the control socket, and compared in tests.

/** One address pool of a network, as Docker's IPAM data describes it. */
export interface SubnetSpec {
  /** The pool in CIDR form, e.g. "10.20.0.0/24" or "fd00:20::/64". */
  pool: string;
  /** Gateway address without prefix; absent means "no gateway on this subnet". */
  gateway?: string;
  /** Allocation restricted to this sub-range (Docker --ip-range), CIDR. */
  ipRange?: string;
  /** Addresses reserved for other hosts (Docker --aux-address): name -> address. */
  auxAddresses?: Record<string, string>;
  /** The IPAM pool this subnet came from, when ovsnet's IPAM allocated it. */
  poolId?: string;
}

export type TunnelType = 'vxlan' | 'gre';

export interface NetworkSpec {
  /** Docker's NetworkID, or an id chosen by the user of the CLI. */
  id: string;
  /** Human name; Docker does not send it, so it may be absent. */
  name?: string;
  /** Cross-host identity (docs/design.md §1): the name or ovsnet.vni, never the Docker id. */
  key?: string;
  ipv4: SubnetSpec[];
  ipv6: SubnetSpec[];
  /** Inter-container communication inside the network (Docker's enable_icc). */
  icc: boolean;
  /** No traffic leaves the network's subnets (docker network create --internal). */
  internal: boolean;
  mtu?: number;
  vni?: number;
  tunnel?: TunnelType;
  /**
   * Allow rules given with the network (`-o ovsnet.allow`, cnm/network-rules.ts): stateful,
   * kept in the network's record, so they exist exactly as long as the network, on every host.
   */
  allow?: NetworkAllowRule[];
}

/** An allow rule that belongs to a network's own settings: its network is the one it is in. */
export type NetworkAllowRule = Pick<AllowRule, 'from' | 'to' | 'proto' | 'port'>;

export interface EndpointSpec {
  networkId: string;
  endpointId: string;
  /** Address with prefix (CIDR) given by Docker's IPAM or the user; absent = allocate. */
  ipv4?: string;
  ipv6?: string;
  mac?: string;
  /** Name of the container (from Docker's IPAM options), for humans and policy rules. */
  containerName?: string;
  /** For `ovsnet attach`: the container reference as typed and its interface name. */
  attachment?: { containerId: string; containerIface: string };
  /** Created by Docker's CreateEndpoint: Docker's to delete, and judged against its listing (docker-forgotten.ts). */
  fromDocker?: boolean;
}

export interface EndpointInfo {
  networkId: string;
  endpointId: string;
  ipv4?: string;
  ipv6?: string;
  mac: string;
  /** Host-side veth (the OVS port) and the container-side name before the move. */
  hostIfname: string;
  containerIfname: string;
  ofport?: number;
  sandboxKey?: string;
  /** Published ports with the host port actually chosen for each. */
  ports?: PortBinding[];
}

/** Where a join left the container end of the veth, for a caller that places it itself. */
export interface ContainerEnd {
  /** Made in the sandbox already (under its host name, not yet configured); else on the host. */
  inSandbox: boolean;
}

export interface JoinResult {
  /** Interface libnetwork moves into the sandbox (Docker's InterfaceName.SrcName). */
  containerIfname: string;
  gatewayIpv4?: string;
  gatewayIpv6?: string;
  mtu?: number;
}

/** One published port as Docker sends it in com.docker.network.portmap. */
export interface PortBinding {
  proto: 'tcp' | 'udp' | 'sctp';
  containerPort: number;
  hostIp?: string;
  hostPort: number;
  hostPortEnd?: number;
}

export interface PoolRequest {
  addressSpace: string;
  /** Requested pool (CIDR) or absent for "pick one". */
  pool?: string;
  subPool?: string;
  v6: boolean;
  options?: Record<string, string>;
}

export interface PoolGrant {
  poolId: string;
  pool: string;
  /** Extra data such as com.docker.network.gateway. */
  data?: Record<string, string>;
}

export interface AddressRequest {
  poolId: string;
  /** Requested address without prefix, or absent for the next free one. */
  address?: string;
  /** 'gateway' when Docker asks for the network's gateway address. */
  kind?: 'gateway' | 'endpoint' | 'aux';
  /** Owner key (e.g. container name) that makes repeated requests idempotent. */
  owner?: string;
  /**
   * The owner is unique to one interface (a CNI endpoint id): a request for the next free
   * address gets the one the owner already holds in the pool, if any (an ADD repeated
   * after its first attempt died after taking it).
   */
  reuseOwned?: boolean;
}

export interface AllowRule {
  id: string;
  networkId: string;
  /**
   * Which endpoints (cnm/rule-selectors.ts): an endpoint id, a container name or id, an
   * address or CIDR, or `label:key=value` for the containers carrying that label.
   */
  from: string;
  to: string;
  proto?: 'tcp' | 'udp' | 'icmp';
  port?: number;
  /**
   * No connection tracking: the rule also admits the reverse of its match (from its port),
   * whoever starts it. Absent: stateful, only replies of connections the rule opened return.
   */
  stateless?: boolean;
}

/**
 * The northbound API every front end (Docker plugin, CLI, ovs-docker compatible attach)
 * uses. All calls are idempotent: repeating one with the same arguments succeeds without
 * changing anything; errors are ControllerErrors with stable codes.
 */
export interface NetworkApi {
  /**
   * Stores a network with its pipeline tag; the same spec again returns it, another one under its id,
   * key or VNI fails ALREADY_EXISTS, an overlapping subnet CONFLICT, bad input INVALID_ARGUMENT.
   */
  createNetwork(spec: NetworkSpec): Promise<NetworkSpec>;
  /** Removes a network and its allow rules; an absent one is no error; CONFLICT while endpoints remain. */
  deleteNetwork(networkId: string): Promise<void>;
  /**
   * Reserves an endpoint's addresses, MAC and OpenFlow port (no veth yet); the same request again
   * returns it, other addresses fail ALREADY_EXISTS, a missing network NOT_FOUND.
   */
  createEndpoint(spec: EndpointSpec): Promise<EndpointInfo>;
  /** Frees the endpoint with its addresses and host ports, answering before its veth is gone; absent is no error. */
  deleteEndpoint(networkId: string, endpointId: string): Promise<void>;
  /**
   * Plugs the endpoint into the bridge and answers once its port and flows work; repeatable;
   * NOT_FOUND without it, UNAVAILABLE when OVS does not realise the port in time.
   * `meanwhile` runs alongside the switch's part with the answer to come (see NetworkService).
   */
  join(
    networkId: string,
    endpointId: string,
    sandboxKey: string,
    meanwhile?: (joined: JoinResult, containerEnd: ContainerEnd) => Promise<void>,
  ): Promise<JoinResult>;
  /** Forgets the sandbox (port and flows stay until deleteEndpoint); a repeat, or a leave before join, is no error. */
  leave(networkId: string, endpointId: string): Promise<void>;
  /** The endpoint as stored, published ports included; NOT_FOUND when absent. */
  endpointInfo(networkId: string, endpointId: string): Promise<EndpointInfo>;
  /**
   * Makes `ports` the endpoint's published ports, host ports chosen once and kept on repeats;
   * ALREADY_EXISTS when a host port is taken, NOT_FOUND without the endpoint.
   */
  publishPorts(networkId: string, endpointId: string, ports: PortBinding[]): Promise<void>;
  /** Gives the endpoint's host ports back; nothing published, or no endpoint, is no error. */
  unpublishPorts(networkId: string, endpointId: string): Promise<void>;
}

export interface IpamApi {
  defaultAddressSpaces(): { local: string; global: string };
  requestPool(request: PoolRequest): Promise<PoolGrant>;
  releasePool(poolId: string): Promise<void>;
  /** Returns the address in CIDR form (address/prefix of the pool). */
  requestAddress(request: AddressRequest): Promise<string>;
  releaseAddress(poolId: string, address: string): Promise<void>;
}
