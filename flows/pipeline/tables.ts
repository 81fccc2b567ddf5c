// The pipeline, declared once. Code and tests refer to tables by name; numbers are derived
// here only.
//
//   classify --> port_security --> arp_responder --> l2_lookup --> policy --> output
//      |  \--(gateway)--> routed_source ------------------^                      |
//      |               |  (non-ARP) ------------------^                         |
//   unknown port,   spoofed or                                  unicast: the endpoint's port
//   tagged frame:   forbidden frame:                            broadcast: the network's ports
//   drop            drop                                        (ICC off: the gateway only)
//
// To add a table: declare it here (name, purpose, next tables, the fields it matches and
// writes, miss), give it priority bands in priorities.ts and a feature that returns its
// flows, and list it in build.ts. checkFlow (verify.ts) holds every flow to this.
import {
  DESTINATION_KIND,
  FLOOD_CHUNK,
  NETWORK_TAG,
  OUTPUT_PORT,
  SOURCE_KIND,
  SOURCE_NETWORK,
  type RegisterField,
} from './registers';

/** A register field by its name in registers.ts, or an OXM field by its ovs-fields(7) name. */
export type FieldRef = RegisterField | string;

export interface TableDef {
  name: TableName;
  number: number;
  purpose: string;
  next: readonly TableName[];
  /** Tables its flows may resubmit to (a detour that returns), which goto cannot reach. */
  resubmits: readonly TableName[];
  /** The fields its flows may match. */
  matches: readonly FieldRef[];
  /** The fields its flows may write (load, set_field, move destination). */
  sets: readonly FieldRef[];
  /** What happens to a packet no flow matches. */
  miss: 'drop';
}

export type TableName =
  'classify' | 'port_security' | 'routed_source' | 'arp_responder' | 'l2_lookup' | 'policy' | 'output' | 'nd_reply';

const ORDER: ReadonlyArray<Omit<TableDef, 'number'>> = [
  {
    name: 'classify',
    purpose: 'in_port -> network tag and source kind; unknown ports and 802.1Q frames dropped',
    next: ['port_security', 'routed_source'],
    resubmits: [],
    matches: ['in_port', 'vlan_vid'],
    sets: [NETWORK_TAG, SOURCE_KIND],
    miss: 'drop',
  },
  {
    name: 'port_security',
    purpose: 'source MAC/IP pinned per endpoint port, ARP and ND fields checked, RA and DHCP-server replies dropped',
    next: ['arp_responder', 'l2_lookup'],
    resubmits: [],
    matches: [
      'in_port',
      'eth_src',
      'eth_type',
      'ip_proto',
      'ip_src',
      'ipv6_src',
      'arp_spa',
      'arp_sha',
      'icmpv6_type',
      'nd_target',
      'udp_src',
    ],
    sets: [],
    miss: 'drop',
  },
  {
    name: 'routed_source',
    purpose:
      'traffic from a gateway: which ovsnet network its source address belongs to (the host routes between networks)',
    next: ['l2_lookup'],
    resubmits: [],
    matches: ['eth_type', 'ip_src', 'ipv6_src'],
    sets: [SOURCE_NETWORK],
    miss: 'drop',
  },
  {
    name: 'arp_responder',
    purpose: 'ARP requests and IPv6 neighbour solicitations for known addresses answered from flows',
    next: ['l2_lookup'],
    resubmits: ['nd_reply'],
    matches: [NETWORK_TAG, 'eth_type', 'arp_op', 'arp_tpa', 'ip_proto', 'icmpv6_type', 'nd_target', 'nd_sll'],
    sets: [
      'eth_src',
      'eth_dst',
      'arp_op',
      'arp_sha',
      'arp_spa',
      'arp_tha',
      'arp_tpa',
      'ipv6_src',
      'ipv6_dst',
      'icmpv6_type',
      'nd_reserved',
      'nd_options_type',
    ],
    miss: 'drop',
  },
  {
    name: 'l2_lookup',
    purpose: '(network, destination MAC) -> output port; broadcast marked for flooding; unknown unicast dropped',
    next: ['policy'],
    resubmits: [],
    matches: [NETWORK_TAG, 'eth_dst'],
    sets: [OUTPUT_PORT, DESTINATION_KIND],
    miss: 'drop',
  },
  {
    name: 'policy',
    purpose:
      'isolation and ICC: same network only; ICC off allows only the gateway and explicit rules; internal networks stay inside their subnets',
    next: ['output'],
    resubmits: [],
    matches: [
      NETWORK_TAG,
      SOURCE_KIND,
      DESTINATION_KIND,
      SOURCE_NETWORK,
      OUTPUT_PORT,
      'in_port',
      'conj_id',
      'eth_type',
      'ip_dst',
      'ipv6_dst',
      'ip_proto',
      'tcp_src',
      'tcp_dst',
      'udp_src',
      'udp_dst',
    ],
    sets: [],
    miss: 'drop',
  },
  {
    name: 'output',
    purpose: 'deliver to the chosen port, or flood within the network',
    next: [],
    resubmits: ['output'],
    matches: [OUTPUT_PORT, NETWORK_TAG, SOURCE_KIND, DESTINATION_KIND, FLOOD_CHUNK],
    sets: [FLOOD_CHUNK],
    miss: 'drop',
  },
  // Last so that adding it renumbered nothing; reached by resubmit from arp_responder.
  {
    name: 'nd_reply',
    purpose:
      'finishes a neighbour advertisement built by arp_responder (OVS lets nd_tll be written only on an advertisement)',
    next: [],
    resubmits: [],
    matches: ['eth_type', 'ip_proto', 'icmpv6_type'],
    sets: ['nd_tll'],
    miss: 'drop',
  },
];

export const TABLES: ReadonlyMap<TableName, TableDef> = new Map(ORDER.map((t, i) => [t.name, { ...t, number: i }]));

export function tableNumber(name: TableName): number {
  return (TABLES.get(name) as TableDef).number;
}

export function tableName(number: number): TableName | undefined {
  return ORDER[number]?.name;
}
