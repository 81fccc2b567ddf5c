// l2_lookup: known unicast MACs map to their port inside the frame's network (a remote
// endpoint's MAC to its pipeline port, which output sends through the tunnel); broadcast
// and multicast are marked for flooding within the network; unknown unicast is dropped.
import { cookie, endpointObject, gatewayObject, remoteEndpointObject, TABLE_WIDE } from '../cookies';
import { Priority } from '../priorities';
import { DESTINATION_KIND, Kind, NETWORK_TAG, OUTPUT_PORT, fieldMatch, loadField } from '../registers';
import type { PipelineEndpoint, PipelineState } from '../model';
import type { FlowSpec } from '../spec';
import type { ResolvedRemoteEndpoint } from '../overlay';
import { remotePort } from '../tunnel';
import type { Action } from '../../ofp/actions';

const BAND = Priority.l2_lookup;
/** The group bit of a MAC: set in broadcast and multicast destinations. */
const GROUP_BIT = '01:00:00:00:00:00';

function choose(port: number, kind: number): Action[] {
  return [loadField(OUTPUT_PORT, port), loadField(DESTINATION_KIND, kind)];
}

export function l2Flows(state: PipelineState): FlowSpec[] {
  const flows: FlowSpec[] = [
    {
      table: 'l2_lookup',
      priority: BAND.flood,
      cookie: cookie('l2', TABLE_WIDE),
      match: [{ field: 'eth_dst', value: GROUP_BIT, mask: GROUP_BIT }],
      actions: choose(0, Kind.BROADCAST),
      goto: 'policy',
      reason: 'broadcast and multicast are flooded within the network',
    },
  ];
  for (const net of state.networks) {
    if (!net.gateway) continue;
    flows.push({
      table: 'l2_lookup',
      priority: BAND.known_mac,
      cookie: cookie('l2', gatewayObject(net.gateway.ofport)),
      match: [fieldMatch(NETWORK_TAG, net.tag), { field: 'eth_dst', value: net.gateway.mac }],
      actions: choose(net.gateway.ofport, Kind.GATEWAY),
      goto: 'policy',
      reason: `the gateway of network ${net.tag} is port ${net.gateway.ofport}`,
    });
  }
  return flows;
}

export function l2EndpointFlows(ep: PipelineEndpoint): FlowSpec[] {
  return [
    {
      table: 'l2_lookup',
      priority: BAND.known_mac,
      cookie: cookie('l2', endpointObject(ep.ofport)),
      match: [fieldMatch(NETWORK_TAG, ep.networkTag), { field: 'eth_dst', value: ep.mac }],
      actions: choose(ep.ofport, Kind.ENDPOINT),
      goto: 'policy',
      reason: `${ep.mac} is on port ${ep.ofport}`,
    },
  ];
}

export function l2RemoteFlows(ep: ResolvedRemoteEndpoint): FlowSpec[] {
  return [
    {
      table: 'l2_lookup',
      priority: BAND.known_mac,
      cookie: cookie('l2', remoteEndpointObject(ep.id)),
      match: [fieldMatch(NETWORK_TAG, ep.networkTag), { field: 'eth_dst', value: ep.mac }],
      actions: choose(remotePort(ep.id), Kind.REMOTE),
      goto: 'policy',
      reason: `${ep.mac} is remote endpoint ${ep.id} on host ${ep.host}`,
    },
  ];
}
