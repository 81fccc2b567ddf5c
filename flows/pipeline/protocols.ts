// The protocol numbers the pipeline's flows match and write, named once: EtherTypes, IP
// protocols, ICMPv6 and ARP message types, the well-known ports of the services an
// endpoint may not offer, and the neighbour-discovery fields an answer fills in.
import type { MatchField } from '../ofp/match';

export const EtherType = { IPV4: 0x0800, ARP: 0x0806, IPV6: 0x86dd } as const;

/**
 * The outer tags of stacked VLANs (QinQ) before 802.1ad gave them 0x88a8: OVS parses
 * 0x8100 and 0x88a8 as VLAN tags (vlan_vid), these only as EtherTypes.
 */
export const LEGACY_QINQ_TPIDS = [0x9100, 0x9200, 0x9300] as const;

export const IpProto = { ICMP: 1, TCP: 6, UDP: 17, ICMPV6: 58 } as const;

/** RFC 4861 section 4. */
export const Icmpv6Type = {
  /** Reserved: never sent. OVS reads it from an ICMPv6 message shorter than its 8-byte header. */
  RESERVED: 0,
  ROUTER_ADVERTISEMENT: 134,
  NEIGHBOR_SOLICITATION: 135,
  NEIGHBOR_ADVERTISEMENT: 136,
} as const;

export const ArpOp = { REQUEST: 1, REPLY: 2 } as const;

/** The server side of DHCP: only the host may answer on these. */
export const UdpPort = { DHCPV4_SERVER: 67, DHCPV6_SERVER: 547 } as const;

/** RFC 4861 section 4.6.1: the option that carries the answering MAC. */
export const ND_OPTION_TARGET_LINK_LAYER_ADDRESS = 2;
/** RFC 4861 section 4.4: an advertisement that answers a solicitation and overrides caches (Router clear). */
export const NA_FLAGS_SOLICITED_OVERRIDE = 0x60000000;

/** The unspecified address: the source of a DAD probe (RFC 4862 5.4.2), and the target OVS reads from a cut-off ND message. */
export const IPV6_UNSPECIFIED = '::';

/** ICMPv6 messages of one type, with the prerequisites OpenFlow requires before icmpv6_type. */
export function icmpv6Match(type: number): MatchField[] {
  return [
    { field: 'eth_type', value: EtherType.IPV6 },
    { field: 'ip_proto', value: IpProto.ICMPV6 },
    { field: 'icmpv6_type', value: type },
  ];
}
