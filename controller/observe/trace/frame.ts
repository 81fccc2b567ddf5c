// The frames a trace sends: the one A puts on the wire, and, when that one reaches A's
// gateway on its way to another network, the one the host's routing then puts on B's
// network. One Frame feeds both the switch (rendered in ofproto/trace syntax) and the
// flow simulator, so the two answer the same question.
import type { Frame } from '../../../flows/pipeline/simulate';
import { invalid } from '../../errors';
import type { Party, TraceProto, TunnelIngress } from './types';

const BROADCAST = 'ff:ff:ff:ff:ff:ff';
/** A client's ephemeral source port: what the real probes use is arbitrary, and no rule matches it. */
const SOURCE_PORT = 40000;

export interface FrameInput {
  /** The port the frame enters br-int on, and the addresses it carries. */
  inPort: number;
  srcMac: string;
  srcIp: string;
  dstMac: string;
  dstIp: string;
  proto: TraceProto;
  port: number;
  /** A frame arriving from a tunnel: the sending host's address (tun_src) and the key (tun_id). */
  tunnel?: { srcIp: string; vni: number };
}

export function buildFrame(input: FrameInput): Frame {
  const v6 = input.dstIp.includes(':');
  if (v6 !== input.srcIp.includes(':'))
    throw invalid(`cannot trace from ${input.srcIp} to ${input.dstIp}: address families differ`);
  const base: Frame = {
    in_port: input.inPort,
    ...(input.tunnel
      ? {
          [input.tunnel.srcIp.includes(':') ? 'tun_ipv6_src' : 'tun_src']: input.tunnel.srcIp,
          tun_id: input.tunnel.vni,
        }
      : {}),
    eth_src: input.srcMac,
  };
  if (input.proto === 'arp') {
    if (v6) throw invalid('--proto arp needs IPv4 addresses (IPv6 neighbour discovery is icmp)');
    return {
      ...base,
      eth_dst: BROADCAST,
      eth_type: 0x0806,
      arp_op: 1,
      arp_spa: input.srcIp,
      arp_tpa: input.dstIp,
      arp_sha: input.srcMac,
      arp_tha: '00:00:00:00:00:00',
    };
  }
  const ip: Frame = v6
    ? { eth_type: 0x86dd, ipv6_src: input.srcIp, ipv6_dst: input.dstIp }
    : { eth_type: 0x0800, ip_src: input.srcIp, ip_dst: input.dstIp };
  const transport: Frame =
    input.proto === 'icmp'
      ? v6
        ? { ip_proto: 58, icmpv6_type: 128, icmpv6_code: 0 }
        : { ip_proto: 1, icmp_type: 8, icmp_code: 0 }
      : input.proto === 'tcp'
        ? { ip_proto: 6, tcp_src: SOURCE_PORT, tcp_dst: input.port }
        : { ip_proto: 17, udp_src: SOURCE_PORT, udp_dst: input.port };
  return { ...base, eth_dst: input.dstMac, ...ip, ...transport };
}

/** The frame in ovs-appctl ofproto/trace's flow syntax (ovs-fields names). */
export function frameText(frame: Frame): string {
  return Object.entries(frame)
    .map(([field, value]) => `${field}=${valueText(field, value)}`)
    .join(',');
}

/** Ethertypes and tunnel keys read best in hex, as ovs-ofctl prints them. */
function valueText(field: string, value: Frame[string]): string {
  if (field === 'eth_type') return `0x${Number(value).toString(16).padStart(4, '0')}`;
  if (field === 'tun_id') return `0x${BigInt(value).toString(16)}`;
  return String(value);
}

/** The first leg: what A sends towards B (to B's MAC on the same network, else to A's gateway). */
export function firstLeg(
  from: Party,
  to: Party,
  options: {
    proto: TraceProto;
    port: number;
    srcIp?: string;
    srcMac?: string;
    gatewayMac?: string;
    gatewayIp?: string;
  },
): FrameInput {
  if (from.ingress && from.mac !== undefined) return ingressLeg(from, from.ingress, to, options);
  if (from.ofport === undefined || from.mac === undefined)
    throw invalid(`"${from.label}" is not on this host's bridge: trace from an endpoint or gateway:NETWORK`);
  const sameNetwork = to.networkId !== undefined && to.networkId === from.networkId && to.mac !== undefined;
  const viaGateway = !sameNetwork && from.kind === 'endpoint';
  if (viaGateway && options.gatewayMac === undefined)
    throw invalid(
      `network ${from.networkName ?? '?'} has no gateway on this host: ${from.label} cannot reach ${to.label}`,
    );
  // An ARP request asks for the next hop: B itself on the same network, else the gateway.
  const arpTarget = options.proto === 'arp' && viaGateway ? (options.gatewayIp ?? to.ip) : to.ip;
  return {
    inPort: from.ofport,
    srcMac: options.srcMac ?? from.mac,
    srcIp: options.srcIp ?? from.ip,
    dstMac: viaGateway ? (options.gatewayMac as string) : (to.mac ?? (options.gatewayMac as string)),
    dstIp: arpTarget,
    proto: options.proto,
    port: options.port,
  };
}

/**
 * What arrives from a tunnel when an endpoint of another host sends to B on this one: its
 * frame as its host's switch forwarded it (to B's MAC: the overlay carries a network's own
 * traffic only, never a routed frame).
 */
function ingressLeg(
  from: Party,
  ingress: TunnelIngress,
  to: Party,
  options: { proto: TraceProto; port: number; srcIp?: string; srcMac?: string },
): FrameInput {
  if (to.networkId !== from.networkId || to.mac === undefined)
    throw invalid(
      `${from.label} is on host ${ingress.host}: only its own network's traffic crosses the tunnel to ${to.label}; trace it on ${ingress.host}`,
    );
  return {
    inPort: ingress.ofport,
    srcMac: options.srcMac ?? (from.mac as string),
    srcIp: options.srcIp ?? from.ip,
    dstMac: options.proto === 'arp' ? BROADCAST : to.mac,
    dstIp: to.ip,
    proto: options.proto,
    port: options.port,
    tunnel: { srcIp: ingress.srcIp, vni: ingress.vni },
  };
}
