// Numbers the overlay needs outside the flows: what encapsulation costs the MTU, and the
// pipeline port that stands for a remote endpoint.
import type { TunnelType } from './model';

/**
 * Bytes each encapsulation adds in front of the inner frame over an IPv4 underlay: outer
 * Ethernet 14 + IPv4 20, then UDP 8 + VXLAN 8, or GRE 4 + its key 4. The controller lowers
 * a network's MTU by this much unless the network sets one.
 */
export const TUNNEL_OVERHEAD: Readonly<Record<TunnelType, number>> = { vxlan: 50, gre: 42 };

/** An IPv6 underlay header is 20 bytes longer than an IPv4 one. */
export const IPV6_UNDERLAY_EXTRA = 20;

export function tunnelOverhead(type: TunnelType, underlay: 'ipv4' | 'ipv6' = 'ipv4'): number {
  return TUNNEL_OVERHEAD[type] + (underlay === 'ipv6' ? IPV6_UNDERLAY_EXTRA : 0);
}

/**
 * Inside the pipeline a remote endpoint is addressed like a port (the output_port and
 * remote_source registers), by a number no OpenFlow port has: ovs-vswitchd numbers ports
 * below 0xff00 and reserves 0xffffff00 and up.
 */
export const REMOTE_PORT_BASE = 0x0100_0000;
export const MAX_REMOTE_ENDPOINT_ID = 0x00ff_ffff;

export function remotePort(id: number): number {
  if (!Number.isInteger(id) || id < 0 || id > MAX_REMOTE_ENDPOINT_ID)
    throw new RangeError(`remote endpoint id ${id} is not an integer in 0..${MAX_REMOTE_ENDPOINT_ID}`);
  return REMOTE_PORT_BASE + id;
}

/** The tunnel metadata fields for a tunnel address of this family. */
export function tunnelFields(ip: string): { src: string; dst: string } {
  return ip.includes(':') ? { src: 'tun_ipv6_src', dst: 'tun_ipv6_dst' } : { src: 'tun_src', dst: 'tun_dst' };
}
