// arp_responder: ARP requests and IPv6 neighbour solicitations for an endpoint's address
// are answered by the switch, so they are never flooded (and never cross a tunnel). An ARP
// request for any other address goes to the network's gateway on this host alone: every
// endpoint's address, here or on another host, is answered above, and port_security lets an
// endpoint answer only for its own address, so no other port could answer it. Flooding it
// would have every port of the network on every host read it, each time a container asks
// for an address nobody holds (a peer not started yet, a scan). Neighbour solicitations go
// on to l2_lookup: link-local IPv6 addresses are answered by the endpoints themselves.
// Everything else goes on to l2_lookup. A solicitation becomes an advertisement in place;
// nd_reply then writes the target link-layer address, which OVS accepts only in a flow
// that matches an advertisement.
import { cookie, endpointObject, networkObject, remoteEndpointObject, TABLE_WIDE } from '../cookies';
import { Priority } from '../priorities';
import { fieldMatch, NETWORK_TAG } from '../registers';
import { tableNumber } from '../tables';
import type { PipelineEndpoint, PipelineState } from '../model';
import type { FlowSpec } from '../spec';
import type { ResolvedRemoteEndpoint } from '../overlay';
import {
  ArpOp,
  EtherType,
  Icmpv6Type,
  icmpv6Match,
  NA_FLAGS_SOLICITED_OVERRIDE,
  ND_OPTION_TARGET_LINK_LAYER_ADDRESS,
} from '../protocols';

const BAND = Priority.arp_responder;

const SOLICITATION = icmpv6Match(Icmpv6Type.NEIGHBOR_SOLICITATION);

const ARP_REQUEST = [
  { field: 'eth_type', value: EtherType.ARP },
  { field: 'arp_op', value: ArpOp.REQUEST },
] as const;

/** Per network: an ARP request no endpoint holds the address of reaches the gateway here, or nobody. */
function unanswerableArp(state: PipelineState): FlowSpec[] {
  return state.networks.map((net) => ({
    table: 'arp_responder',
    priority: BAND.unanswerable,
    cookie: cookie('arp_responder', networkObject(net.tag)),
    match: [fieldMatch(NETWORK_TAG, net.tag), ...ARP_REQUEST],
    actions: net.gateway ? [{ type: 'output', port: net.gateway.ofport }] : [],
    reason: net.gateway
      ? `ARP for an address no endpoint of network ${net.tag} holds goes to its gateway alone`
      : `ARP for an address no endpoint of network ${net.tag} holds is dropped (no gateway on this host)`,
  }));
}

export function arpResponderFlows(state: PipelineState): FlowSpec[] {
  const c = cookie('arp_responder', TABLE_WIDE);
  return [
    ...unanswerableArp(state),
    {
      table: 'arp_responder',
      priority: BAND.forward,
      cookie: c,
      match: [],
      actions: [],
      goto: 'l2_lookup',
      reason: 'ARP the switch does not answer is forwarded',
    },
    {
      table: 'arp_responder',
      priority: BAND.no_room_for_answer,
      cookie: c,
      match: [...SOLICITATION, { field: 'nd_sll', value: '00:00:00:00:00:00' }],
      actions: [],
      goto: 'l2_lookup',
      reason: 'a solicitation without a source link-layer address gets no room for an answer: forwarded',
    },
    {
      table: 'nd_reply',
      priority: Priority.nd_reply.advertisement,
      cookie: c,
      match: icmpv6Match(Icmpv6Type.NEIGHBOR_ADVERTISEMENT),
      actions: [
        { type: 'move', src: 'eth_src', srcOfs: 0, dst: 'nd_tll', dstOfs: 0, nBits: 48 },
        { type: 'output', port: 'in_port' },
      ],
      reason: 'the advertisement carries the answering MAC (already its source) as target link-layer address',
    },
  ];
}

export function arpResponderEndpointFlows(ep: PipelineEndpoint): FlowSpec[] {
  return answers(cookie('arp_responder', endpointObject(ep.ofport)), ep, '');
}

/** A remote endpoint's addresses are answered here too, so ARP and ND never cross a tunnel. */
export function arpResponderRemoteFlows(ep: ResolvedRemoteEndpoint): FlowSpec[] {
  return answers(cookie('arp_responder', remoteEndpointObject(ep.id)), ep, ` (on host ${ep.host})`);
}

function answers(c: bigint, ep: Omit<PipelineEndpoint, 'ofport'>, where: string): FlowSpec[] {
  const flows: FlowSpec[] = [];
  if (ep.ipv4) {
    flows.push({
      table: 'arp_responder',
      priority: BAND.answer,
      cookie: c,
      match: [fieldMatch(NETWORK_TAG, ep.networkTag), ...ARP_REQUEST, { field: 'arp_tpa', value: ep.ipv4 }],
      actions: [
        { type: 'move', src: 'eth_src', srcOfs: 0, dst: 'eth_dst', dstOfs: 0, nBits: 48 },
        { type: 'set_field', field: 'eth_src', value: ep.mac },
        { type: 'set_field', field: 'arp_op', value: ArpOp.REPLY },
        { type: 'move', src: 'arp_sha', srcOfs: 0, dst: 'arp_tha', dstOfs: 0, nBits: 48 },
        { type: 'set_field', field: 'arp_sha', value: ep.mac },
        { type: 'move', src: 'arp_spa', srcOfs: 0, dst: 'arp_tpa', dstOfs: 0, nBits: 32 },
        { type: 'set_field', field: 'arp_spa', value: ep.ipv4 },
        { type: 'output', port: 'in_port' },
      ],
      reason: `answer ARP for ${ep.ipv4} with ${ep.mac}${where}`,
    });
  }
  if (ep.ipv6) {
    flows.push({
      table: 'arp_responder',
      priority: BAND.answer,
      cookie: c,
      match: [fieldMatch(NETWORK_TAG, ep.networkTag), ...SOLICITATION, { field: 'nd_target', value: ep.ipv6 }],
      actions: [
        { type: 'move', src: 'eth_src', srcOfs: 0, dst: 'eth_dst', dstOfs: 0, nBits: 48 },
        { type: 'set_field', field: 'eth_src', value: ep.mac },
        { type: 'move', src: 'ipv6_src', srcOfs: 0, dst: 'ipv6_dst', dstOfs: 0, nBits: 128 },
        { type: 'set_field', field: 'ipv6_src', value: ep.ipv6 },
        { type: 'set_field', field: 'icmpv6_type', value: Icmpv6Type.NEIGHBOR_ADVERTISEMENT },
        { type: 'set_field', field: 'nd_reserved', value: NA_FLAGS_SOLICITED_OVERRIDE },
        { type: 'set_field', field: 'nd_options_type', value: ND_OPTION_TARGET_LINK_LAYER_ADDRESS },
        { type: 'resubmit', table: tableNumber('nd_reply') },
      ],
      reason: `answer neighbour solicitations for ${ep.ipv6} with ${ep.mac}${where}`,
    });
  }
  return flows;
}
