// The match fields ovsnet uses, by their ovs-fields(7) names: OXM class, field number,
// width, value kind and whether a mask is allowed. One table drives encoding, decoding
// and the text form.
import { OxmClass } from './constants';

export type FieldKind = 'u8' | 'u16' | 'u32' | 'u64' | 'u128' | 'mac' | 'ipv4' | 'ipv6';

export interface FieldDef {
  name: string;
  oxmClass: number;
  field: number;
  /** Width of the value in bytes. */
  length: number;
  kind: FieldKind;
  maskable: boolean;
}

const B = OxmClass.OPENFLOW_BASIC;
const N = OxmClass.NXM_1;
/** ovs-fields(7) ERICOXM_OF_*: the ND fields ARP-style responders need (OVS 2.11+). */
const E = OxmClass.ERICSSON;

const defs: FieldDef[] = [
  { name: 'in_port', oxmClass: B, field: 0, length: 4, kind: 'u32', maskable: false },
  { name: 'metadata', oxmClass: B, field: 2, length: 8, kind: 'u64', maskable: true },
  { name: 'eth_dst', oxmClass: B, field: 3, length: 6, kind: 'mac', maskable: true },
  { name: 'eth_src', oxmClass: B, field: 4, length: 6, kind: 'mac', maskable: true },
  { name: 'eth_type', oxmClass: B, field: 5, length: 2, kind: 'u16', maskable: false },
  { name: 'vlan_vid', oxmClass: B, field: 6, length: 2, kind: 'u16', maskable: true },
  { name: 'vlan_pcp', oxmClass: B, field: 7, length: 1, kind: 'u8', maskable: false },
  { name: 'ip_dscp', oxmClass: B, field: 8, length: 1, kind: 'u8', maskable: false },
  { name: 'ip_ecn', oxmClass: B, field: 9, length: 1, kind: 'u8', maskable: false },
  { name: 'ip_proto', oxmClass: B, field: 10, length: 1, kind: 'u8', maskable: false },
  { name: 'ip_src', oxmClass: B, field: 11, length: 4, kind: 'ipv4', maskable: true },
  { name: 'ip_dst', oxmClass: B, field: 12, length: 4, kind: 'ipv4', maskable: true },
  { name: 'tcp_src', oxmClass: B, field: 13, length: 2, kind: 'u16', maskable: true },
  { name: 'tcp_dst', oxmClass: B, field: 14, length: 2, kind: 'u16', maskable: true },
  { name: 'udp_src', oxmClass: B, field: 15, length: 2, kind: 'u16', maskable: true },
  { name: 'udp_dst', oxmClass: B, field: 16, length: 2, kind: 'u16', maskable: true },
  { name: 'icmp_type', oxmClass: B, field: 19, length: 1, kind: 'u8', maskable: false },
  { name: 'icmp_code', oxmClass: B, field: 20, length: 1, kind: 'u8', maskable: false },
  { name: 'arp_op', oxmClass: B, field: 21, length: 2, kind: 'u16', maskable: false },
  { name: 'arp_spa', oxmClass: B, field: 22, length: 4, kind: 'ipv4', maskable: true },
  { name: 'arp_tpa', oxmClass: B, field: 23, length: 4, kind: 'ipv4', maskable: true },
  { name: 'arp_sha', oxmClass: B, field: 24, length: 6, kind: 'mac', maskable: true },
  { name: 'arp_tha', oxmClass: B, field: 25, length: 6, kind: 'mac', maskable: true },
  { name: 'ipv6_src', oxmClass: B, field: 26, length: 16, kind: 'ipv6', maskable: true },
  { name: 'ipv6_dst', oxmClass: B, field: 27, length: 16, kind: 'ipv6', maskable: true },
  { name: 'sctp_src', oxmClass: B, field: 17, length: 2, kind: 'u16', maskable: true },
  { name: 'sctp_dst', oxmClass: B, field: 18, length: 2, kind: 'u16', maskable: true },
  { name: 'ipv6_label', oxmClass: B, field: 28, length: 4, kind: 'u32', maskable: true },
  { name: 'icmpv6_type', oxmClass: B, field: 29, length: 1, kind: 'u8', maskable: false },
  { name: 'icmpv6_code', oxmClass: B, field: 30, length: 1, kind: 'u8', maskable: false },
  { name: 'nd_target', oxmClass: B, field: 31, length: 16, kind: 'ipv6', maskable: true },
  { name: 'nd_sll', oxmClass: B, field: 32, length: 6, kind: 'mac', maskable: true },
  { name: 'nd_tll', oxmClass: B, field: 33, length: 6, kind: 'mac', maskable: true },
  { name: 'tun_id', oxmClass: B, field: 38, length: 8, kind: 'u64', maskable: true },
  ...Array.from({ length: 16 }, (_, i): FieldDef => ({
    name: `reg${i}`,
    oxmClass: N,
    field: i,
    length: 4,
    kind: 'u32',
    maskable: true,
  })),
  { name: 'tun_src', oxmClass: N, field: 31, length: 4, kind: 'ipv4', maskable: true },
  { name: 'tun_dst', oxmClass: N, field: 32, length: 4, kind: 'ipv4', maskable: true },
  { name: 'nw_ttl', oxmClass: N, field: 29, length: 1, kind: 'u8', maskable: false },
  { name: 'pkt_mark', oxmClass: N, field: 33, length: 4, kind: 'u32', maskable: true },
  { name: 'tcp_flags', oxmClass: N, field: 34, length: 2, kind: 'u16', maskable: true },
  { name: 'tun_flags', oxmClass: N, field: 104, length: 2, kind: 'u16', maskable: true },
  { name: 'ct_label', oxmClass: N, field: 108, length: 16, kind: 'u128', maskable: true },
  { name: 'tun_ipv6_src', oxmClass: N, field: 109, length: 16, kind: 'ipv6', maskable: true },
  { name: 'tun_ipv6_dst', oxmClass: N, field: 110, length: 16, kind: 'ipv6', maskable: true },
  ...Array.from({ length: 4 }, (_, i): FieldDef => ({
    name: `xxreg${i}`,
    oxmClass: N,
    field: 111 + i,
    length: 16,
    kind: 'u128',
    maskable: true,
  })),
  { name: 'conj_id', oxmClass: N, field: 37, length: 4, kind: 'u32', maskable: false },
  { name: 'ct_state', oxmClass: N, field: 105, length: 4, kind: 'u32', maskable: true },
  { name: 'ct_zone', oxmClass: N, field: 106, length: 2, kind: 'u16', maskable: false },
  { name: 'ct_mark', oxmClass: N, field: 107, length: 4, kind: 'u32', maskable: true },
  { name: 'nd_reserved', oxmClass: E, field: 1, length: 4, kind: 'u32', maskable: false },
  { name: 'nd_options_type', oxmClass: E, field: 2, length: 1, kind: 'u8', maskable: false },
];

/** ovs-fields(7) aliases accepted on input. */
const aliases: Record<string, string> = {
  tun_ipv4_src: 'tun_src',
  tun_ipv4_dst: 'tun_dst',
  nw_src: 'ip_src',
  nw_dst: 'ip_dst',
  nw_proto: 'ip_proto',
  dl_src: 'eth_src',
  dl_dst: 'eth_dst',
  dl_type: 'eth_type',
  tunnel_id: 'tun_id',
  icmpv4_type: 'icmp_type',
  icmpv4_code: 'icmp_code',
  ipv6_nd_target: 'nd_target',
};

/**
 * The same fields under their older NXM codes (class NXM_0 = 0x0000 and NXM_1), which OVS
 * uses in reg_move/reg_load actions it sends back; recognised when decoding only.
 */
const nxmAliases: Array<[number, number, string, number]> = [
  [0, 1, 'eth_dst', 6],
  [0, 2, 'eth_src', 6],
  [0, 3, 'eth_type', 2],
  [0, 6, 'ip_proto', 1],
  [0, 7, 'ip_src', 4],
  [0, 8, 'ip_dst', 4],
  [0, 9, 'tcp_src', 2],
  [0, 10, 'tcp_dst', 2],
  [0, 11, 'udp_src', 2],
  [0, 12, 'udp_dst', 2],
  [0, 13, 'icmp_type', 1],
  [0, 14, 'icmp_code', 1],
  [0, 15, 'arp_op', 2],
  [0, 16, 'arp_spa', 4],
  [0, 17, 'arp_tpa', 4],
  [1, 16, 'tun_id', 8],
  [1, 17, 'arp_sha', 6],
  [1, 18, 'arp_tha', 6],
  [1, 19, 'ipv6_src', 16],
  [1, 20, 'ipv6_dst', 16],
  [1, 21, 'icmpv6_type', 1],
  [1, 22, 'icmpv6_code', 1],
  [1, 23, 'nd_target', 16],
  [1, 24, 'nd_sll', 6],
  [1, 25, 'nd_tll', 6],
];

export const FIELDS_BY_NAME = new Map(defs.map((d) => [d.name, d]));
export const FIELDS_BY_CODE = new Map(defs.map((d) => [(d.oxmClass << 7) | d.field, d]));
for (const [oxmClass, field, name, length] of nxmAliases) {
  const base = FIELDS_BY_NAME.get(name) as FieldDef;
  FIELDS_BY_CODE.set((oxmClass << 7) | field, { ...base, oxmClass, field, length });
}

/**
 * Older NXM headers for the same fields (same width). OVS writes these inside Nicira
 * actions (move, load, ct zone) of the flows it dumps, so the decoder must know them; the
 * encoder always uses the OXM header above.
 */
const NXM_SYNONYMS: Array<[number, number, string]> = [
  [OxmClass.NXM_0, 1, 'eth_dst'],
  [OxmClass.NXM_0, 2, 'eth_src'],
  [OxmClass.NXM_0, 3, 'eth_type'],
  [OxmClass.NXM_0, 6, 'ip_proto'],
  [OxmClass.NXM_0, 7, 'ip_src'],
  [OxmClass.NXM_0, 8, 'ip_dst'],
  [OxmClass.NXM_0, 9, 'tcp_src'],
  [OxmClass.NXM_0, 10, 'tcp_dst'],
  [OxmClass.NXM_0, 11, 'udp_src'],
  [OxmClass.NXM_0, 12, 'udp_dst'],
  [OxmClass.NXM_0, 13, 'icmp_type'],
  [OxmClass.NXM_0, 14, 'icmp_code'],
  [OxmClass.NXM_0, 15, 'arp_op'],
  [OxmClass.NXM_0, 16, 'arp_spa'],
  [OxmClass.NXM_0, 17, 'arp_tpa'],
  [N, 16, 'tun_id'],
  [N, 17, 'arp_sha'],
  [N, 18, 'arp_tha'],
  [N, 19, 'ipv6_src'],
  [N, 20, 'ipv6_dst'],
  [N, 21, 'icmpv6_type'],
  [N, 22, 'icmpv6_code'],
  [N, 23, 'nd_target'],
  [N, 24, 'nd_sll'],
  [N, 25, 'nd_tll'],
];
for (const [oxmClass, field, name] of NXM_SYNONYMS) {
  const def = FIELDS_BY_NAME.get(name);
  if (def) FIELDS_BY_CODE.set((oxmClass << 7) | field, def);
}

export type FieldName = string;

export function fieldDef(name: string): FieldDef | undefined {
  return FIELDS_BY_NAME.get(aliases[name] ?? name);
}

export function fieldByCode(oxmClass: number, field: number): FieldDef | undefined {
  return FIELDS_BY_CODE.get((oxmClass << 7) | field);
}

/** OXM header: class(16) | field(7) | hasmask(1) | length(8). */
export function oxmHeader(def: FieldDef, masked: boolean): number {
  return (
    ((def.oxmClass << 16) | (def.field << 9) | (masked ? 0x100 : 0) | (masked ? def.length * 2 : def.length)) >>> 0
  );
}

/** The ovs-fields(7) name of a field given by name or alias (unknown names are returned as is). */
export function canonicalFieldName(name: string): string {
  return fieldDef(name)?.name ?? name;
}
