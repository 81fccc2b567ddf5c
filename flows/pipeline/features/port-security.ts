// port_security: an endpoint may only send from its own MAC and IP, claim only its own
// address in ARP and neighbour advertisements, and never act as a router or DHCP server.
import { cookie } from '../cookies';
import type { PipelineEndpoint, PipelineState } from '../model';
import type { FlowSpec } from '../spec';
import { ETH_ARP, ETH_IPV4, ETH_IPV6, IP_PROTO_ICMPV6 } from '../ethertypes';

export function portSecurityFlows(state: PipelineState): FlowSpec[] {
  const c = cookie('port_security', 0);
  const flows: FlowSpec[] = [
    {
      table: 'port_security',
      priority: 300,
      cookie: c,
      match: [
        { field: 'eth_type', value: ETH_IPV6 },
        { field: 'ip_proto', value: IP_PROTO_ICMPV6 },
        { field: 'icmpv6_type', value: 134 },
      ],
      actions: [],
      reason: 'router advertisements from containers are dropped',
    },
    {
      table: 'port_security',
      priority: 300,
      cookie: c,
      match: [
        { field: 'eth_type', value: ETH_IPV4 },
        { field: 'ip_proto', value: 17 },
        { field: 'udp_src', value: 67 },
      ],
      actions: [],
      reason: 'DHCPv4 server replies from containers are dropped',
    },
    {
      table: 'port_security',
      priority: 300,
      cookie: c,
      match: [
        { field: 'eth_type', value: ETH_IPV6 },
        { field: 'ip_proto', value: 17 },
        { field: 'udp_src', value: 547 },
      ],
      actions: [],
      reason: 'DHCPv6 server replies from containers are dropped',
    },
    {
      table: 'port_security',
      priority: 250,
      cookie: c,
      match: [
        { field: 'eth_type', value: ETH_IPV6 },
        { field: 'ip_proto', value: IP_PROTO_ICMPV6 },
        { field: 'icmpv6_type', value: 136 },
      ],
      actions: [],
      reason: 'neighbour advertisements for another address are dropped',
    },
    // IP and ARP pass only through the per-endpoint flows above these; without them the
    // catch-all for other ethertypes below would let a spoofed address through.
    {
      table: 'port_security',
      priority: 90,
      cookie: c,
      match: [{ field: 'eth_type', value: ETH_IPV4 }],
      actions: [],
      reason: 'IPv4 from an address the port does not own is dropped',
    },
    {
      table: 'port_security',
      priority: 90,
      cookie: c,
      match: [{ field: 'eth_type', value: ETH_ARP }],
      actions: [],
      reason: 'ARP claiming an address the port does not own is dropped',
    },
    {
      table: 'port_security',
      priority: 90,
      cookie: c,
      match: [{ field: 'eth_type', value: ETH_IPV6 }],
      actions: [],
      reason: 'IPv6 from an address the port does not own is dropped',
    },
  ];
  return flows;
}

export function portSecurityEndpointFlows(ep: PipelineEndpoint): FlowSpec[] {
  const flows: FlowSpec[] = [];
  const k = cookie('port_security', ep.ofport);
  const from = [
    { field: 'in_port', value: ep.ofport },
    { field: 'eth_src', value: ep.mac },
  ];
  flows.push({
    table: 'port_security',
    priority: 50,
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
        priority: 100,
        cookie: k,
        match: [...from, { field: 'eth_type', value: ETH_IPV4 }, { field: 'ip_src', value: ep.ipv4 }],
        actions: [],
        goto: 'l2_lookup',
        reason: `IPv4 from ${ep.ipv4} ${ep.mac} on port ${ep.ofport}`,
      },
      {
        table: 'port_security',
        priority: 100,
        cookie: k,
        match: [
          ...from,
          { field: 'eth_type', value: ETH_ARP },
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
        priority: 260,
        cookie: k,
        match: [
          ...from,
          { field: 'eth_type', value: ETH_IPV6 },
          { field: 'ip_proto', value: IP_PROTO_ICMPV6 },
          { field: 'icmpv6_type', value: 136 },
          { field: 'nd_target', value: ep.ipv6 },
        ],
        actions: [],
        goto: 'l2_lookup',
        reason: `neighbour advertisement for ${ep.ipv6} on port ${ep.ofport}`,
      },
      {
        table: 'port_security',
        priority: 100,
        cookie: k,
        match: [...from, { field: 'eth_type', value: ETH_IPV6 }, { field: 'ipv6_src', value: ep.ipv6 }],
        actions: [],
        goto: 'arp_responder',
        reason: `IPv6 from ${ep.ipv6} on port ${ep.ofport}`,
      },
      {
        table: 'port_security',
        priority: 100,
        cookie: k,
        match: [
          ...from,
          { field: 'eth_type', value: ETH_IPV6 },
          { field: 'ipv6_src', value: 'fe80::', mask: 'ffc0::' },
          { field: 'ip_proto', value: IP_PROTO_ICMPV6 },
        ],
        actions: [],
        goto: 'arp_responder',
        reason: `link-local ICMPv6 (neighbour discovery) on port ${ep.ofport}`,
      },
    );
  }
  return flows;
}
