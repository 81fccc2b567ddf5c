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
// To add a table: declare it here (name, purpose, next tables, miss), give it a feature
// that returns its flows, and list it in build.ts.

export interface TableDef {
  name: TableName;
  number: number;
  purpose: string;
  next: readonly TableName[];
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
    miss: 'drop',
  },
  {
    name: 'port_security',
    purpose: 'source MAC/IP pinned per endpoint port, ARP and ND fields checked, RA and DHCP-server replies dropped',
    next: ['arp_responder', 'l2_lookup'],
    miss: 'drop',
  },
  {
    name: 'routed_source',
    purpose:
      'traffic from a gateway: which ovsnet network its source address belongs to (the host routes between networks)',
    next: ['l2_lookup'],
    miss: 'drop',
  },
  {
    name: 'arp_responder',
    purpose: 'ARP requests and IPv6 neighbour solicitations for known addresses answered from flows',
    next: ['l2_lookup'],
    miss: 'drop',
  },
  {
    name: 'l2_lookup',
    purpose: '(network, destination MAC) -> output port; broadcast marked for flooding; unknown unicast dropped',
    next: ['policy'],
    miss: 'drop',
  },
  {
    name: 'policy',
    purpose:
      'isolation and ICC: same network only; ICC off allows only the gateway and explicit rules; internal networks stay inside their subnets',
    next: ['output'],
    miss: 'drop',
  },
  { name: 'output', purpose: 'deliver to the chosen port, or flood within the network', next: [], miss: 'drop' },
  // Last so that adding it renumbered nothing; reached by resubmit from arp_responder.
  {
    name: 'nd_reply',
    purpose:
      'finishes a neighbour advertisement built by arp_responder (OVS lets nd_tll be written only on an advertisement)',
    next: [],
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
