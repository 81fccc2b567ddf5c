// What the pipeline is built from: plain desired state with OpenFlow port numbers already
// known. The controller maps its CNM records into this shape.

export interface PipelineGateway {
  ofport: number;
  mac: string;
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
}

export interface PipelineEndpoint {
  ofport: number;
  networkTag: number;
  mac: string;
  /** Addresses without prefix. */
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
  proto?: 'tcp' | 'udp' | 'icmp';
  port?: number;
}

export interface PipelineState {
  networks: PipelineNetwork[];
  endpoints: PipelineEndpoint[];
  rules: PipelineRule[];
}
