// What the pipeline is built from: plain desired state with OpenFlow port numbers already
// known. The controller maps its CNM records into this shape. The overlay fields (tunnels,
// vni, remote hosts and endpoints) are optional: a state without them is a single host and
// builds exactly the single-host flows.

export interface PipelineGateway {
  ofport: number;
  mac: string;
}

export type TunnelType = 'vxlan' | 'gre';

/** A flow-based tunnel port on the bridge (remote_ip=flow, key=flow): one per type. */
export interface PipelineTunnel {
  type: TunnelType;
  ofport: number;
}

export interface PipelineNetwork {
  tag: number;
  icc: boolean;
  internal: boolean;
  /** Subnets in CIDR form (IPv4 and IPv6). */
  subnets: string[];
  gateway?: PipelineGateway;
  /** The host's addresses on this network (no prefix). */
  gatewayAddresses?: string[];
  /** The tunnel key, unique per network across the cluster (24 bits); absent: this host only. */
  vni?: number;
  /** How the network crosses hosts; 'vxlan' when absent. */
  tunnel?: TunnelType;
}

export interface PipelineEndpoint {
  ofport: number;
  networkTag: number;
  mac: string;
  /** Addresses without prefix. */
  ipv4?: string;
  ipv6?: string;
}

/** Another host of the cluster; only live hosts get flows. */
export interface PipelineRemoteHost {
  /** Unique among hosts (the cookie's object id). */
  id: number;
  /** Its tunnel endpoint address (IPv4 or IPv6). */
  tunnelIp: string;
  alive: boolean;
}

/** An endpoint on another host, in a network this host knows by `networkTag`. */
export interface PipelineRemoteEndpoint {
  /**
   * Unique among remote endpoints and stable while the endpoint exists (below 2^24): its
   * cookie's object id, its pipeline port (tunnel.ts) and how allow rules name it.
   */
  id: number;
  /** PipelineRemoteHost.id of the host it lives on. */
  host: number;
  networkTag: number;
  mac: string;
  ipv4?: string;
  ipv6?: string;
}

export interface PipelineRule {
  /** Small number, unique among rules: the conjunction id. */
  id: number;
  networkTag: number;
  /** Endpoint ofports allowed to start the traffic, and those it may reach. */
  from: number[];
  to: number[];
  /** Remote endpoints (PipelineRemoteEndpoint.id) on either side, beside the local ports. */
  fromRemote?: number[];
  toRemote?: number[];
  proto?: 'tcp' | 'udp' | 'icmp';
  port?: number;
  /**
   * Connection tracking (IP only): the rule's direction opens connections, committed in the
   * network's zone, and only their replies (and ICMP errors related to them) come back.
   * Without it the rule also admits the reverse of its match (source port = port), as before.
   */
  stateful?: boolean;
}

export interface PipelineState {
  networks: PipelineNetwork[];
  endpoints: PipelineEndpoint[];
  rules: PipelineRule[];
  tunnels?: PipelineTunnel[];
  remoteHosts?: PipelineRemoteHost[];
  remoteEndpoints?: PipelineRemoteEndpoint[];
}
