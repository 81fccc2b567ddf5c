// A cluster of hosts for overlay tests: each host's pipeline is built from its own view
// (its containers are endpoints, everyone else's are remote, its own network tags). Unit
// tests walk a frame through the sender's flows, across the tunnel to the host its tun_dst
// names, and through that host's flows; integration tests install each host's flows on a
// real switch.
import { buildPipeline } from '../../flows/pipeline/build';
import type {
  PipelineEndpoint,
  PipelineRemoteEndpoint,
  PipelineRule,
  PipelineState,
  TunnelType,
} from '../../flows/pipeline/model';
import { receivedFrame, simulate, type Delivery, type Frame } from '../../flows/pipeline/simulate';
import type { FlowSpec } from '../../flows/pipeline/spec';

export interface ClusterNetwork {
  name: string;
  vni: number;
  tunnel: TunnelType;
  icc: boolean;
  internal: boolean;
  /** An IPv4 /24, e.g. 10.1.0.0/24 (the gateway is .1). */
  subnet: string;
}

export interface ClusterHost {
  name: string;
  id: number;
  tunnelIp: string;
  /** Its own tag per network name: tags are host-local. */
  tags: Record<string, number>;
}

export interface ClusterContainer {
  name: string;
  host: string;
  network: string;
  mac: string;
  ipv4: string;
  ipv6?: string;
}

export interface ClusterRule {
  network: string;
  from: string[];
  to: string[];
  proto?: 'tcp' | 'udp' | 'icmp';
  port?: number;
}

/** OpenFlow port numbers of the tunnel ports, the same on every host. */
export const TUNNEL_PORTS: Readonly<Record<TunnelType, number>> = { vxlan: 60001, gre: 60002 };
const FIRST_ENDPOINT_PORT = 10;
const gatewayPort = (tag: number): number => 100 + tag;
export const gatewayMac = (tag: number): string => `02:0e:00:00:00:${tag.toString(16).padStart(2, '0')}`;

/** Where a walked frame came out. */
export interface Outcome {
  /** Names of the containers that received it (sorted). */
  containers: string[];
  /** "host/network" of the gateways that received it. */
  gateways: string[];
  /** Copies that left a host through a tunnel, as "from->to vni". */
  tunnelled: string[];
  /** Tunnel copies to an address no host has (the underlay would see them). */
  strays: string[];
  /** Each host's trace, for failure messages. */
  trace: string[];
}

export class Cluster {
  /** Per host: whom it considers dead (its own view of the liveness leases). */
  private readonly dead = new Map<string, Set<string>>();

  constructor(
    readonly networks: ClusterNetwork[],
    readonly hosts: ClusterHost[],
    readonly containers: ClusterContainer[],
    readonly rules: ClusterRule[] = [],
  ) {}

  markDead(observer: string, host: string): void {
    this.dead.set(observer, new Set([...(this.dead.get(observer) ?? []), host]));
  }

  host(name: string): ClusterHost {
    const host = this.hosts.find((h) => h.name === name);
    if (!host) throw new Error(`no host ${name}`);
    return host;
  }

  container(name: string): ClusterContainer {
    const c = this.containers.find((x) => x.name === name);
    if (!c) throw new Error(`no container ${name}`);
    return c;
  }

  network(name: string): ClusterNetwork {
    const n = this.networks.find((x) => x.name === name);
    if (!n) throw new Error(`no network ${name}`);
    return n;
  }

  /** The port of a container on its own host. */
  ofport(name: string): number {
    const c = this.container(name);
    return FIRST_ENDPOINT_PORT + this.containers.filter((x) => x.host === c.host).indexOf(c);
  }

  /** A container's id as a remote endpoint, the same on every host. */
  remoteId(name: string): number {
    return this.containers.indexOf(this.container(name)) + 1;
  }

  /** What one host's pipeline is built from. */
  stateOf(hostName: string): PipelineState {
    const host = this.host(hostName);
    const tag = (network: string): number => host.tags[network] as number;
    const local = this.containers.filter((c) => c.host === hostName);
    const remote = this.containers.filter((c) => c.host !== hostName);
    const addresses = (c: ClusterContainer): Pick<PipelineEndpoint, 'ipv4' | 'ipv6'> => ({
      ipv4: c.ipv4,
      ...(c.ipv6 !== undefined ? { ipv6: c.ipv6 } : {}),
    });
    const ofportsOf = (names: string[]): number[] =>
      names.filter((n) => this.container(n).host === hostName).map((n) => this.ofport(n));
    const remoteOf = (names: string[]): number[] =>
      names.filter((n) => this.container(n).host !== hostName).map((n) => this.remoteId(n));
    return {
      networks: this.networks.map((n) => ({
        tag: tag(n.name),
        icc: n.icc,
        internal: n.internal,
        subnets: [n.subnet],
        gateway: { ofport: gatewayPort(tag(n.name)), mac: gatewayMac(tag(n.name)) },
        gatewayAddresses: [n.subnet.replace(/\.0\/24$/, '.1')],
        vni: n.vni,
        tunnel: n.tunnel,
      })),
      endpoints: local.map((c) => ({
        ofport: this.ofport(c.name),
        networkTag: tag(c.network),
        mac: c.mac,
        ...addresses(c),
      })),
      rules: this.rules.map((r, i): PipelineRule => ({
        id: i + 1,
        networkTag: tag(r.network),
        from: ofportsOf(r.from),
        to: ofportsOf(r.to),
        fromRemote: remoteOf(r.from),
        toRemote: remoteOf(r.to),
        ...(r.proto !== undefined ? { proto: r.proto } : {}),
        ...(r.port !== undefined ? { port: r.port } : {}),
      })),
      tunnels: (Object.entries(TUNNEL_PORTS) as Array<[TunnelType, number]>).map(([type, ofport]) => ({
        type,
        ofport,
      })),
      remoteHosts: this.hosts
        .filter((h) => h.name !== hostName)
        .map((h) => ({ id: h.id, tunnelIp: h.tunnelIp, alive: !this.dead.get(hostName)?.has(h.name) })),
      remoteEndpoints: remote.map((c): PipelineRemoteEndpoint => ({
        id: this.remoteId(c.name),
        host: this.host(c.host).id,
        networkTag: tag(c.network),
        mac: c.mac,
        ...addresses(c),
      })),
    };
  }

  flowsOf(hostName: string): FlowSpec[] {
    return buildPipeline(this.stateOf(hostName));
  }

  /** A frame a container sends, walked through every host it reaches. */
  send(from: string, frame: Frame): Outcome {
    const c = this.container(from);
    return this.walk(c.host, { in_port: this.ofport(from), ...frame });
  }

  /** A frame arriving at `hostName` as given (e.g. from a tunnel port, forged or not). */
  walk(hostName: string, frame: Frame): Outcome {
    const outcome: Outcome = { containers: [], gateways: [], tunnelled: [], strays: [], trace: [] };
    const first = this.run(hostName, frame, outcome);
    for (const d of first) {
      if (!d.tunnel) continue;
      const peer = this.hosts.find((h) => h.tunnelIp === d.tunnel?.dst);
      outcome.tunnelled.push(`${hostName}->${peer?.name ?? d.tunnel.dst} vni ${d.tunnel.id}`);
      if (!peer) {
        outcome.strays.push(d.tunnel.dst);
        continue;
      }
      const type = d.port === TUNNEL_PORTS.gre ? 'gre' : 'vxlan';
      const arrived = receivedFrame(d, { inPort: TUNNEL_PORTS[type], senderIp: this.host(hostName).tunnelIp });
      for (const again of this.run(peer.name, arrived, outcome))
        if (again.tunnel) outcome.tunnelled.push(`${peer.name}->${again.tunnel.dst} vni ${again.tunnel.id} (again)`);
    }
    outcome.containers.sort();
    outcome.gateways.sort();
    return outcome;
  }

  private run(hostName: string, frame: Frame, outcome: Outcome): Delivery[] {
    const result = simulate(this.flowsOf(hostName), frame, { tunnelPorts: Object.values(TUNNEL_PORTS) });
    outcome.trace.push(`-- ${hostName}`, ...result.trace);
    const host = this.host(hostName);
    for (const d of result.deliveries) {
      if (d.tunnel) continue;
      const container = this.containers.find((c) => c.host === hostName && this.ofport(c.name) === d.port);
      if (container) outcome.containers.push(container.name);
      const network = Object.entries(host.tags).find(([, tag]) => gatewayPort(tag) === d.port)?.[0];
      if (network) outcome.gateways.push(`${hostName}/${network}`);
    }
    return result.deliveries;
  }
}
