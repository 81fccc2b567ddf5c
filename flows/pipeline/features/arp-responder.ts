// arp_responder: ARP requests and IPv6 neighbour solicitations for an endpoint's address
// are answered by the switch, so they are never flooded (and never cross a tunnel).
// Everything else goes on to l2_lookup. A solicitation becomes an advertisement in place;
// nd_reply then writes the target link-layer address, which OVS accepts only in a flow
// that matches an advertisement.
import { cookie } from '../cookies';
import { fieldMatch, NETWORK_TAG } from '../registers';
import { tableNumber } from '../tables';
import type { PipelineEndpoint, PipelineState } from '../model';
import type { FlowSpec } from '../spec';
import { ETH_ARP, ETH_IPV6, IP_PROTO_ICMPV6 } from '../ethertypes';

export function arpResponderFlows(state: PipelineState): FlowSpec[] {
  const flows: FlowSpec[] = [
    {
      table: 'arp_responder',
      priority: 0,
      cookie: cookie('arp_responder', 0),
      match: [],
      actions: [],
      goto: 'l2_lookup',
      reason: 'ARP the switch does not answer is forwarded',
    },
    {
      table: 'arp_responder',
      priority: 110,
      cookie: cookie('arp_responder', 0),
      match: [...NS, { field: 'nd_sll', value: '00:00:00:00:00:00' }],
      actions: [],
      goto: 'l2_lookup',
      reason: 'a solicitation without a source link-layer address gets no room for an answer: forwarded',
    },
    {
      table: 'nd_reply',
      priority: 100,
      cookie: cookie('arp_responder', 0),
      match: [
        { field: 'eth_type', value: ETH_IPV6 },
        { field: 'ip_proto', value: IP_PROTO_ICMPV6 },
        { field: 'icmpv6_type', value: 136 },
      ],
      actions: [
        { type: 'move', src: 'eth_src', srcOfs: 0, dst: 'nd_tll', dstOfs: 0, nBits: 48 },
        { type: 'output', port: 'in_port' },
      ],
      reason: 'the advertisement carries the answering MAC (already its source) as target link-layer address',
    },
  ];
  return flows;
}

export function arpResponderEndpointFlows(ep: PipelineEndpoint): FlowSpec[] {
  const flows: FlowSpec[] = [];
  if (ep.ipv4) {
    flows.push({
      table: 'arp_responder',
      priority: 100,
      cookie: cookie('arp_responder', ep.ofport),
      match: [
        fieldMatch(NETWORK_TAG, ep.networkTag),
        { field: 'eth_type', value: ETH_ARP },
        { field: 'arp_op', value: 1 },
        { field: 'arp_tpa', value: ep.ipv4 },
      ],
      actions: [
        { type: 'move', src: 'eth_src', srcOfs: 0, dst: 'eth_dst', dstOfs: 0, nBits: 48 },
        { type: 'set_field', field: 'eth_src', value: ep.mac },
        { type: 'set_field', field: 'arp_op', value: 2 },
        { type: 'move', src: 'arp_sha', srcOfs: 0, dst: 'arp_tha', dstOfs: 0, nBits: 48 },
        { type: 'set_field', field: 'arp_sha', value: ep.mac },
        { type: 'move', src: 'arp_spa', srcOfs: 0, dst: 'arp_tpa', dstOfs: 0, nBits: 32 },
        { type: 'set_field', field: 'arp_spa', value: ep.ipv4 },
        { type: 'output', port: 'in_port' },
      ],
      reason: `answer ARP for ${ep.ipv4} with ${ep.mac}`,
    });
  }
  if (ep.ipv6) {
    flows.push({
      table: 'arp_responder',
      priority: 100,
      cookie: cookie('arp_responder', ep.ofport),
      match: [fieldMatch(NETWORK_TAG, ep.networkTag), ...NS, { field: 'nd_target', value: ep.ipv6 }],
      actions: [
        { type: 'move', src: 'eth_src', srcOfs: 0, dst: 'eth_dst', dstOfs: 0, nBits: 48 },
        { type: 'set_field', field: 'eth_src', value: ep.mac },
        { type: 'move', src: 'ipv6_src', srcOfs: 0, dst: 'ipv6_dst', dstOfs: 0, nBits: 128 },
        { type: 'set_field', field: 'ipv6_src', value: ep.ipv6 },
        { type: 'set_field', field: 'icmpv6_type', value: 136 },
        // Solicited and Override set, Router clear (RFC 4861 4.4).
        { type: 'set_field', field: 'nd_reserved', value: 0x60000000 },
        { type: 'set_field', field: 'nd_options_type', value: 2 },
        { type: 'resubmit', table: tableNumber('nd_reply') },
      ],
      reason: `answer neighbour solicitations for ${ep.ipv6} with ${ep.mac}`,
    });
  }
  return flows;
}

const NS = [
  { field: 'eth_type', value: ETH_IPV6 },
  { field: 'ip_proto', value: IP_PROTO_ICMPV6 },
  { field: 'icmpv6_type', value: 135 },
];
