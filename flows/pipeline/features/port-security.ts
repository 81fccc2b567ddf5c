// port_security: an endpoint may only send from its own MAC and IP, claim only its own
// address in ARP and neighbour advertisements, and never act as a router or DHCP server.
import { cookie, endpointObject, TABLE_WIDE } from '../cookies';
import { Priority } from '../priorities';
import type { PipelineEndpoint, PipelineState } from '../model';
import type { FlowSpec } from '../spec';
import { EtherType, Icmpv6Type, icmpv6Match, IpProto, UdpPort } from '../protocols';
import type { MatchField } from '../../ofp/match';

const BAND = Priority.port_security;

function udpFrom(ethType: number, port: number): MatchField[] {
  return [
    { field: 'eth_type', value: ethType },
    { field: 'ip_proto', value: IpProto.UDP },
    { field: 'udp_src', value: port },
  ];
}

export function portSecurityFlows(_state: PipelineState): FlowSpec[] {
  const c = cookie('port_security', TABLE_WIDE);
  const drop = (priority: number, match: MatchField[], reason: string): FlowSpec => ({
    table: 'port_security',
    priority,
    cookie: c,
    match,
    actions: [],
    reason,
  });
  return [
    drop(
      BAND.forbidden_service,
      icmpv6Match(Icmpv6Type.ROUTER_ADVERTISEMENT),
      'router advertisements from containers are dropped',
    ),
    drop(
      BAND.forbidden_service,
      udpFrom(EtherType.IPV4, UdpPort.DHCPV4_SERVER),
      'DHCPv4 server replies from containers are dropped',
    ),
    drop(
      BAND.forbidden_service,
      udpFrom(EtherType.IPV6, UdpPort.DHCPV6_SERVER),
      'DHCPv6 server replies from containers are dropped',
    ),
    drop(
      BAND.foreign_advertisement,
      icmpv6Match(Icmpv6Type.NEIGHBOR_ADVERTISEMENT),
      'neighbour advertisements for another address are dropped',
    ),
    // IP and ARP pass only through the per-endpoint flows above these; without them the
    // catch-all for other ethertypes below would let a spoofed address through.
    drop(
      BAND.spoofed_address,
      [{ field: 'eth_type', value: EtherType.IPV4 }],
      'IPv4 from an address the port does not own is dropped',
    ),
    drop(
      BAND.spoofed_address,
      [{ field: 'eth_type', value: EtherType.ARP }],
      'ARP claiming an address the port does not own is dropped',
    ),
    drop(
      BAND.spoofed_address,
      [{ field: 'eth_type', value: EtherType.IPV6 }],
      'IPv6 from an address the port does not own is dropped',
    ),
  ];
}

export function portSecurityEndpointFlows(ep: PipelineEndpoint): FlowSpec[] {
  const flows: FlowSpec[] = [];
  const k = cookie('port_security', endpointObject(ep.ofport));
  const from: MatchField[] = [
    { field: 'in_port', value: ep.ofport },
    { field: 'eth_src', value: ep.mac },
  ];
  flows.push({
    table: 'port_security',
    priority: BAND.other_protocols,
    cookie: k,
    match: from,
    actions: [],
    goto: 'l2_lookup',
    reason: `other protocols from ${ep.mac} on port ${ep.ofport}`,
  });
  if (ep.ipv4) {
    flows.push(
      {
        table: 'port_security',
        priority: BAND.own_address,
        cookie: k,
        match: [...from, { field: 'eth_type', value: EtherType.IPV4 }, { field: 'ip_src', value: ep.ipv4 }],
        actions: [],
        goto: 'l2_lookup',
        reason: `IPv4 from ${ep.ipv4} ${ep.mac} on port ${ep.ofport}`,
      },
      {
        table: 'port_security',
        priority: BAND.own_address,
        cookie: k,
        match: [
          ...from,
          { field: 'eth_type', value: EtherType.ARP },
          { field: 'arp_spa', value: ep.ipv4 },
          { field: 'arp_sha', value: ep.mac },
        ],
        actions: [],
        goto: 'arp_responder',
        reason: `ARP claiming ${ep.ipv4} ${ep.mac} on port ${ep.ofport}`,
      },
    );
  }
  if (ep.ipv6) {
    flows.push(
      {
        table: 'port_security',
        priority: BAND.own_advertisement,
        cookie: k,
        match: [...from, ...icmpv6Match(Icmpv6Type.NEIGHBOR_ADVERTISEMENT), { field: 'nd_target', value: ep.ipv6 }],
        actions: [],
        goto: 'l2_lookup',
        reason: `neighbour advertisement for ${ep.ipv6} on port ${ep.ofport}`,
      },
      {
        table: 'port_security',
        priority: BAND.own_address,
        cookie: k,
        match: [...from, { field: 'eth_type', value: EtherType.IPV6 }, { field: 'ipv6_src', value: ep.ipv6 }],
        actions: [],
        goto: 'arp_responder',
        reason: `IPv6 from ${ep.ipv6} on port ${ep.ofport}`,
      },
      {
        table: 'port_security',
        priority: BAND.own_address,
        cookie: k,
        match: [
          ...from,
          { field: 'eth_type', value: EtherType.IPV6 },
          { field: 'ipv6_src', value: 'fe80::', mask: 'ffc0::' },
          { field: 'ip_proto', value: IpProto.ICMPV6 },
        ],
        actions: [],
        goto: 'arp_responder',
        reason: `link-local ICMPv6 (neighbour discovery) on port ${ep.ofport}`,
      },
    );
  }
  return flows;
}
