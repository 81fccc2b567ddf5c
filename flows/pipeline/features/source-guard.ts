// The checks of a frame's source shared by port_security (a container port) and
// tunnel_security (an endpoint behind a tunnel): a sender may only use its own MAC and
// addresses, claim only its own address in ARP and neighbour advertisements, and never
// act as a router or DHCP server. The two tables differ in how a sender is recognised
// (its port; or its network, host and MAC) and where an accepted frame goes next.
import { Priority } from '../priorities';
import type { FlowSpec } from '../spec';
import type { TableName } from '../tables';
import { EtherType, Icmpv6Type, icmpv6Match, IpProto, IPV6_UNSPECIFIED, UdpPort } from '../protocols';
import type { MatchField } from '../../ofp/match';

export type GuardTable = Extract<TableName, 'port_security' | 'tunnel_security'>;

/** Where an accepted frame goes: ARP and IPv6 may be for the ARP responder, the rest not. */
export type Continuation = Pick<FlowSpec, 'actions' | 'goto'>;

/** The addresses a sender may send from and claim: its MAC and whichever IPs it has. */
export interface OwnAddresses {
  mac: string;
  ipv4?: string;
  ipv6?: string;
}

/** An endpoint's own addresses (local or remote), with no key for an IP it lacks. */
export function ownAddresses(ep: OwnAddresses): OwnAddresses {
  return {
    mac: ep.mac,
    ...(ep.ipv4 !== undefined ? { ipv4: ep.ipv4 } : {}),
    ...(ep.ipv6 !== undefined ? { ipv6: ep.ipv6 } : {}),
  };
}

export interface Sender extends OwnAddresses {
  /** What recognises the sender, besides its MAC (e.g. in_port). */
  identity: MatchField[];
  /** How reasons name where it sends from, e.g. "on port 7". */
  where: string;
}

function udpFrom(ethType: number, port: number): MatchField[] {
  return [
    { field: 'eth_type', value: ethType },
    { field: 'ip_proto', value: IpProto.UDP },
    { field: 'udp_src', value: port },
  ];
}

/** How a table's reasons name its senders: "containers" and "the port", say. */
export interface SenderWords {
  senders: string;
  owner: string;
}

/** The drops a table holds whoever sends: services no endpoint may offer, and spoofed addresses. */
export function guardTableFlows(table: GuardTable, cookie: bigint, words: SenderWords): FlowSpec[] {
  const { senders, owner } = words;
  const band = Priority[table];
  const drop = (priority: number, match: MatchField[], reason: string): FlowSpec => ({
    table,
    priority,
    cookie,
    match,
    actions: [],
    reason,
  });
  return [
    drop(
      band.forbidden_service,
      icmpv6Match(Icmpv6Type.ROUTER_ADVERTISEMENT),
      `router advertisements from ${senders} are dropped`,
    ),
    drop(
      band.forbidden_service,
      udpFrom(EtherType.IPV4, UdpPort.DHCPV4_SERVER),
      `DHCPv4 server replies from ${senders} are dropped`,
    ),
    drop(
      band.forbidden_service,
      udpFrom(EtherType.IPV6, UdpPort.DHCPV6_SERVER),
      `DHCPv6 server replies from ${senders} are dropped`,
    ),
    // A message too short for its header reads as type 0 (reserved); one too short for its
    // target reads as a solicitation for ::. Neither is something a host sends.
    drop(
      band.malformed_discovery,
      icmpv6Match(Icmpv6Type.RESERVED),
      `ICMPv6 too short for its header (or of the reserved type 0) from ${senders} is dropped`,
    ),
    drop(
      band.malformed_discovery,
      [...icmpv6Match(Icmpv6Type.NEIGHBOR_SOLICITATION), { field: 'nd_target', value: IPV6_UNSPECIFIED }],
      `neighbour solicitations without a target (cut short) from ${senders} are dropped`,
    ),
    drop(
      band.foreign_advertisement,
      icmpv6Match(Icmpv6Type.NEIGHBOR_ADVERTISEMENT),
      'neighbour advertisements for another address are dropped',
    ),
    // IP and ARP pass only through the per-sender flows above these; without them the
    // catch-all for other ethertypes below would let a spoofed address through.
    drop(
      band.spoofed_address,
      [{ field: 'eth_type', value: EtherType.IPV4 }],
      `IPv4 from an address ${owner} does not own is dropped`,
    ),
    drop(
      band.spoofed_address,
      [{ field: 'eth_type', value: EtherType.ARP }],
      `ARP claiming an address ${owner} does not own is dropped`,
    ),
    drop(
      band.spoofed_address,
      [{ field: 'eth_type', value: EtherType.IPV6 }],
      `IPv6 from an address ${owner} does not own is dropped`,
    ),
  ];
}

/**
 * The flows that let one sender's own traffic through: `plain` continues frames that need
 * no answer from the switch, `neighbour` those the ARP responder may answer.
 */
export function guardSenderFlows(
  table: GuardTable,
  cookie: bigint,
  sender: Sender,
  next: { plain: Continuation; neighbour: Continuation },
): FlowSpec[] {
  const band = Priority[table];
  const { mac, ipv4, ipv6, where } = sender;
  const from: MatchField[] = [...sender.identity, { field: 'eth_src', value: mac }];
  const pass = (priority: number, match: MatchField[], then: Continuation, reason: string): FlowSpec => ({
    table,
    priority,
    cookie,
    match,
    actions: [...then.actions],
    ...(then.goto !== undefined ? { goto: then.goto } : {}),
    reason,
  });
  const flows: FlowSpec[] = [pass(band.other_protocols, from, next.plain, `other protocols from ${mac} ${where}`)];
  if (ipv4) {
    flows.push(
      pass(
        band.own_address,
        [...from, { field: 'eth_type', value: EtherType.IPV4 }, { field: 'ip_src', value: ipv4 }],
        next.plain,
        `IPv4 from ${ipv4} ${mac} ${where}`,
      ),
      pass(
        band.own_address,
        [
          ...from,
          { field: 'eth_type', value: EtherType.ARP },
          { field: 'arp_spa', value: ipv4 },
          { field: 'arp_sha', value: mac },
        ],
        next.neighbour,
        `ARP claiming ${ipv4} ${mac} ${where}`,
      ),
    );
  }
  if (ipv6) {
    flows.push(
      pass(
        band.own_advertisement,
        [...from, ...icmpv6Match(Icmpv6Type.NEIGHBOR_ADVERTISEMENT), { field: 'nd_target', value: ipv6 }],
        next.plain,
        `neighbour advertisement for ${ipv6} ${where}`,
      ),
      pass(
        band.own_address,
        [...from, { field: 'eth_type', value: EtherType.IPV6 }, { field: 'ipv6_src', value: ipv6 }],
        next.neighbour,
        `IPv6 from ${ipv6} ${where}`,
      ),
      // Duplicate address detection probes from :: (RFC 4862 5.4.2); only for the sender's
      // own address, since a probe for another's makes that one give its address up. The
      // probe has no source link-layer option, so the ARP responder forwards it unanswered.
      pass(
        band.own_address,
        [
          ...from,
          ...icmpv6Match(Icmpv6Type.NEIGHBOR_SOLICITATION),
          { field: 'ipv6_src', value: IPV6_UNSPECIFIED },
          { field: 'nd_target', value: ipv6 },
        ],
        next.neighbour,
        `duplicate address detection for ${ipv6} ${where}`,
      ),
      pass(
        band.own_address,
        [
          ...from,
          { field: 'eth_type', value: EtherType.IPV6 },
          { field: 'ipv6_src', value: 'fe80::', mask: 'ffc0::' },
          { field: 'ip_proto', value: IpProto.ICMPV6 },
        ],
        next.neighbour,
        `link-local ICMPv6 (neighbour discovery) ${where}`,
      ),
    );
  }
  return flows;
}

/** A continuation that goes to `table`. */
export const goTo = (table: TableName): Continuation => ({ actions: [], goto: table });
