// What `ovsnet trace` answers, declared once: the CLI, the live page and the tests read
// these shapes. A trace is one or more legs (a frame through br-int; a second leg when the
// host routes the first leg's output from one gateway into another network) and ends in
// one verdict.

export type TraceProto = 'icmp' | 'tcp' | 'udp' | 'arp';

/** What the CLI and the page send: A and B as a person types them. */
export interface TraceRequest {
  from: string;
  to: string;
  proto?: TraceProto;
  /** Destination port for tcp/udp (default 80). */
  port?: number;
  /** Send as if from another address or MAC (what a spoofing container would do). */
  srcIp?: string;
  srcMac?: string;
  /**
   * Control sockets of other hosts' daemons (`--peer`): a frame that leaves by a tunnel is
   * traced on, on the host it goes to, when one of them is that host's daemon.
   */
  peers?: string[];
}

/** How a frame from a remote endpoint arrives on this host: by a tunnel port, from its host. */
export interface TunnelIngress {
  type: 'vxlan' | 'gre';
  /** The tunnel port on br-int. */
  ofport: number;
  /** The sending host's tunnel address (tun_src) and name. */
  srcIp: string;
  host: string;
  vni: number;
}

/** One end of a trace, resolved against the daemon's records. */
export interface Party {
  /** How the trace names it: the container name, else the endpoint id's first 12 characters, else the address. */
  label: string;
  kind: 'endpoint' | 'gateway' | 'address';
  /** The network it is on (a gateway's network; none for an outside address). */
  networkId?: string;
  /** The network's name for people (its Docker name, else its id). */
  networkName?: string;
  endpointId?: string;
  /** OpenFlow port on br-int (endpoints and gateways). */
  ofport?: number;
  mac?: string;
  ip: string;
  /** For an endpoint of another host: how its frames reach this host's switch. */
  ingress?: TunnelIngress;
}

/** One table visited: the flow that matched (or none) and why that flow exists. */
export interface TraceStep {
  tableId: number;
  /** The pipeline table's name (tables.ts), or "table N" for a table it does not declare. */
  table: string;
  /** Absent when no flow matched (the table's miss: drop). */
  priority?: number;
  cookie?: string;
  /** The flow's one-line reason, or the table's miss behaviour. */
  reason: string;
  /** What the cookie says the flow exists for, e.g. "policy / network 2". */
  owner?: string;
}

/** Where a leg's frame left br-int. */
export interface TraceOutput {
  port: number;
  /** Sent back out of its input port (an answer built by flows). */
  inPort?: boolean;
  /** For a flow-based tunnel port: where the copy goes (tun_dst) and its key. */
  tunnel?: { dst: string; key: string };
}

export interface TraceLeg {
  /** The frame, in ofproto/trace syntax. */
  frame: string;
  /** Why this leg exists ("a sends", "the host routes it from gateway of web into db"). */
  what: string;
  /** The host whose switch ran this leg, when the trace crossed hosts (else this one). */
  host?: string;
  steps: TraceStep[];
  outputs: TraceOutput[];
}

/**
 * How a trace ends. `tunnelled` is what a leg that leaves through a flow-based tunnel port
 * reports (the overlay's remote endpoints) when the trace cannot continue on that host; a
 * trace that does continue there ends with that host's verdict (across-hosts.ts).
 */
export type TraceVerdict =
  | { kind: 'delivered'; to: string; port: number; summary: string }
  | { kind: 'answered'; by: 'arp_responder' | 'nd_reply'; summary: string }
  | { kind: 'to_gateway'; network: string; port: number; summary: string }
  | { kind: 'flooded'; ports: number[]; summary: string }
  | { kind: 'tunnelled'; host: string; tunnelIp: string; key: string; tunnel?: string; summary: string }
  | { kind: 'dropped'; table: string; rule: string; summary: string };

export interface TraceAnswer {
  legs: TraceLeg[];
  verdict: TraceVerdict;
}

export interface TraceReport {
  from: Party;
  to: Party;
  proto: TraceProto;
  port?: number;
  /** The switch's own answer (ofproto/trace on the running ovs-vswitchd). */
  switch: TraceAnswer;
  /** The flow simulator's answer for the same frames, only when it differs (a bug to report). */
  simulator?: TraceAnswer;
  /** The hosts whose switches the trace ran on, in order, when it crossed hosts. */
  hosts?: string[];
}
