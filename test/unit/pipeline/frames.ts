// Frames the pipeline's unit tests send, built from their sender: its MAC and IPv4 address,
// and the switch port it enters by when the test names one (the overlay's cluster walker
// adds the port of each container itself).
import type { Frame } from '../../../flows/pipeline/simulate';

export interface FrameSender {
  mac: string;
  ipv4?: string | undefined;
  ofport?: number;
}

const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';

function ipv4Of(sender: FrameSender): string {
  if (sender.ipv4 === undefined) throw new Error(`sender ${sender.mac} has no IPv4 address`);
  return sender.ipv4;
}

/** The port it enters by, when given, and its MAC. */
function sentBy(sender: FrameSender): Frame {
  return { ...(sender.ofport !== undefined ? { in_port: sender.ofport } : {}), eth_src: sender.mac };
}

export function tcpFrame(from: FrameSender, to: { mac: string; ip: string }, dport = 80, overrides: Frame = {}): Frame {
  return {
    ...sentBy(from),
    eth_dst: to.mac,
    eth_type: 0x0800,
    ip_src: ipv4Of(from),
    ip_dst: to.ip,
    ip_proto: 6,
    tcp_src: 40000,
    tcp_dst: dport,
    ...overrides,
  };
}

export function arpRequestFrame(from: FrameSender, target: string): Frame {
  return {
    ...sentBy(from),
    eth_dst: BROADCAST_MAC,
    eth_type: 0x0806,
    arp_op: 1,
    arp_spa: ipv4Of(from),
    arp_tpa: target,
    arp_sha: from.mac,
    arp_tha: '00:00:00:00:00:00',
  };
}

/** A frame to everyone that is not ARP: the switch answers no part of it. */
export function udpBroadcastFrame(from: FrameSender): Frame {
  return {
    ...sentBy(from),
    eth_dst: BROADCAST_MAC,
    eth_type: 0x0800,
    ip_src: ipv4Of(from),
    ip_dst: '255.255.255.255',
    ip_proto: 17,
    udp_src: 40000,
    udp_dst: 9,
  };
}
