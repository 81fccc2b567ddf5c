// The pipeline, declared once. Code and tests refer to tables by name; numbers are derived
// here only.
//
//   classify --> port_security --> arp_responder --> l2_lookup --> policy --> output
//    |  |  \--(gateway)--> routed_source ---------------^  ^                    |
//    |  |              |  (non-ARP) ------------------^    |                    |
//    |  unknown port,  spoofed or                          |   unicast: the endpoint's port,
//    |  tagged frame:  forbidden frame:                    |     or the tunnel to its host
//    |  drop           drop                                |   broadcast: the network's ports
//    |                                         (resubmit)  |     (ICC off: the gateway only),
//    |                                                     |     one copy per host with members
//    \--(tunnel port, live host)--> tunnel_classify --> tunnel_security
//                                   unknown VNI: drop   inner source not an endpoint of that
//                                                       host in that network: drop
//
// To add a table: declare it here (name, purpose, next tables, the fields it matches and
// writes, miss), give it priority bands in priorities.ts and a feature that returns its
// flows, and list it in build.ts. checkFlow (verify.ts) holds every flow to this. New
// tables go last: numbering them in the middle would renumber, and so rewrite, every
// flow of the tables after them on every switch.
import {
  DESTINATION_KIND,
  FLOOD_CHUNK,
  NETWORK_TAG,
  OUTPUT_PORT,
  REMOTE_SOURCE,
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
  /** Tables the connection tracker may send its packets back into (`ct(table=…)`). */
  recirculates?: readonly TableName[];
  /** The fields its flows may match. */
  matches: readonly FieldRef[];
  /** The fields its flows may write (load, set_field, move destination). */
  sets: readonly FieldRef[];
  /** What happens to a packet no flow matches. */
  miss: 'drop';
}

export type TableName =
  | 'classify'
  | 'port_security'
  | 'routed_source'
  | 'arp_responder'
  | 'l2_lookup'
  | 'policy'
  | 'output'
  | 'nd_reply'
  | 'tunnel_classify'
  | 'tunnel_security';

/** What port_security and tunnel_security check of a frame's source. */
const SOURCE_FIELDS = [
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
] as const;

const ORDER: ReadonlyArray<Omit<TableDef, 'number'>> = [
  {
    name: 'classify',
    purpose:
      'in_port -> network tag and source kind; tunnel ports: only from live hosts (tun_src); unknown ports and VLAN-tagged frames (802.1Q, 802.1ad, legacy QinQ) dropped',
    next: ['port_security', 'routed_source', 'tunnel_classify'],
    resubmits: [],
    matches: ['in_port', 'vlan_vid', 'eth_type', 'tun_src', 'tun_ipv6_src'],
    sets: [NETWORK_TAG, SOURCE_KIND],
    miss: 'drop',
  },
  {
    name: 'port_security',
    purpose: 'source MAC/IP pinned per endpoint port, ARP and ND fields checked, RA and DHCP-server replies dropped',
    next: ['arp_responder', 'l2_lookup'],
    resubmits: [],
    matches: ['in_port', ...SOURCE_FIELDS],
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
    purpose:
      'ARP requests and IPv6 neighbour solicitations for known addresses answered from flows; other ARP requests to the gateway alone',
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
      'isolation and ICC: same network only; ICC off allows only the gateway and explicit rules (stateful ones through the connection tracker); internal networks stay inside their subnets',
    next: ['output'],
    resubmits: [],
    // A stateful rule's traffic passes the connection tracker and comes back here with ct_state.
    recirculates: ['policy'],
    matches: [
      NETWORK_TAG,
      SOURCE_KIND,
      DESTINATION_KIND,
      SOURCE_NETWORK,
      OUTPUT_PORT,
      REMOTE_SOURCE,
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
      'ct_state',
    ],
    sets: [],
    miss: 'drop',
  },
  {
    name: 'output',
    purpose:
      'deliver to the chosen port or through the tunnel to its host, or flood within the network (one copy per host with members)',
    next: [],
    resubmits: ['output'],
    matches: [OUTPUT_PORT, NETWORK_TAG, SOURCE_KIND, DESTINATION_KIND, FLOOD_CHUNK],
    sets: [FLOOD_CHUNK, 'tun_id', 'tun_dst', 'tun_ipv6_dst'],
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
  {
    name: 'tunnel_classify',
    purpose: 'a frame from a tunnel: the network of its VNI (tun_id) on that tunnel type; unknown VNIs dropped',
    next: ['tunnel_security'],
    resubmits: [],
    matches: ['in_port', 'tun_id'],
    sets: [NETWORK_TAG, SOURCE_KIND],
    miss: 'drop',
  },
  {
    // Frames from a tunnel skip arp_responder: the sending host answered its containers'
    // ARP and ND already, and an answer would have to go back into the tunnel.
    name: 'tunnel_security',
    purpose:
      "a tunnelled frame's inner source MAC/IP (ARP and ND fields too) must be an endpoint of the sending host in that network; RA and DHCP-server replies dropped",
    next: [],
    resubmits: ['l2_lookup'],
    matches: [NETWORK_TAG, 'tun_src', 'tun_ipv6_src', ...SOURCE_FIELDS],
    sets: [REMOTE_SOURCE],
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
