// Priority bands, per table, declared once. In a table the highest matching flow wins, so
// what a band means is which bands it must beat: each table lists its bands from the top,
// and each comment says why the band sits above the next. Features name a band, never a
// number; checkFlow (verify.ts) refuses a flow whose priority is not a band of its table.
//
// To add a band: put it in its table at the height that says what it overrides, between
// two existing bands (numbers are spaced to leave room), and name it for what its flows do.
import type { TableName } from './tables';

/** port_security's bands; tunnel_security makes the same checks of a tunnelled frame. */
const PORT_SECURITY = {
  /** Router advertisements and DHCP server replies are dropped even from an owned address. */
  forbidden_service: 300,
  /**
   * Neighbour discovery cut short (OVS reads ICMPv6 type 0, or target ::), above the
   * port's own addresses that would otherwise let it through.
   */
  malformed_discovery: 280,
  /** A neighbour advertisement for the port's own address, above the catch-all for the others. */
  own_advertisement: 260,
  /** Every other neighbour advertisement is dropped, above the link-local ICMPv6 allowed below. */
  foreign_advertisement: 250,
  /** IP and ARP from the port's own MAC and address. */
  own_address: 100,
  /** IP and ARP that matched no own address are dropped, above the other protocols. */
  spoofed_address: 90,
  /** Any other EtherType, from the port's own MAC. */
  other_protocols: 50,
} as const;

export const Priority = {
  classify: {
    /** VLAN-tagged frames (802.1Q, 802.1ad, legacy QinQ) are dropped whatever port they come from. */
    tagged_frame: 200,
    /** A tunnel port, from a live host's address; it never shares an in_port with known_port. */
    tunnel_peer: 150,
    /** An endpoint or gateway port: its network and kind. Unknown ports miss (drop). */
    known_port: 100,
  },
  port_security: PORT_SECURITY,
  routed_source: {
    /** The host's own addresses on a network: the host, not a routed container. */
    host_address: 200,
    /** A source inside a network's subnet: which network it came from. */
    subnet: 100,
    /** Anything else comes from the outside world. */
    outside: 0,
  },
  arp_responder: {
    /** A solicitation without a source link-layer option cannot be answered in place. */
    no_room_for_answer: 110,
    /** ARP requests and solicitations for an endpoint's address, answered by the switch. */
    answer: 100,
    /** ARP for any other address: to the network's gateway alone. */
    unanswerable: 50,
    /** Everything else goes on. */
    forward: 0,
  },
  nd_reply: {
    /** The advertisement arp_responder built. */
    advertisement: 100,
  },
  tunnel_classify: {
    /** A VNI of a network that crosses hosts on this tunnel type. Others miss (drop). */
    known_vni: 100,
  },
  /** The same checks as port_security, on the inner frame and the sending host. */
  tunnel_security: PORT_SECURITY,
  l2_lookup: {
    /** A known MAC in the frame's network. */
    known_mac: 100,
    /** Broadcast and multicast, below: a known multicast MAC never exists. */
    flood: 50,
  },
  policy: {
    /**
     * What the overlay never carries, above everything that would: a gateway and another
     * host's endpoint (each host routes its own containers), and tunnel back to tunnel.
     */
    overlay_boundary: 310,
    /** The gateway forwarding a source of its own network (the host routed it back in). */
    gateway_own_network: 302,
    /** The gateway forwarding the host or the outside world. */
    gateway_outside: 301,
    /** The gateway forwarding another ovsnet network's container: dropped. */
    gateway_routed: 300,
    /** Internal network: to the gateway, but inside its subnets. */
    internal_subnet: 296,
    /** Internal network: anything else to the gateway is dropped, above to_gateway. */
    internal_outside: 295,
    /** Every endpoint reaches its gateway. */
    to_gateway: 290,
    /** Broadcast passes; output limits it to the network. */
    broadcast: 280,
    /**
     * ICC off with stateful rules: IP between endpoints, not yet through the connection
     * tracker, goes there first (and comes back to this table), before any rule decides.
     */
    connection_lookup: 200,
    /** A reply of a connection a stateful rule opened, or an ICMP error related to one. */
    connection_reply: 190,
    /** Endpoint to endpoint, allowed by an allow rule (ICC off). */
    allow_rule: 150,
    /** Endpoint to endpoint, ICC on. Misses below here drop. */
    icc: 100,
  },
  output: {
    /** Unicast to the port l2_lookup chose, or through the tunnel to a remote endpoint's host. */
    deliver: 100,
    /** A broadcast from a tunnel reaches local endpoints only, above every other flood. */
    tunnel_flood: 70,
    /** ICC off: the gateway's broadcast reaches every endpoint, above the endpoints' flood. */
    gateway_flood: 60,
    /** ICC on, with remote members: an endpoint's broadcast also goes once to each of their hosts. */
    endpoint_flood: 55,
    /** Broadcast within the network (ICC off: to the gateway only). */
    flood: 50,
  },
} as const satisfies { [T in TableName]: Record<string, number> };

/** The priorities a table's flows may have. */
export function bandsOf(table: TableName): ReadonlySet<number> {
  return new Set(Object.values(Priority[table]));
}
