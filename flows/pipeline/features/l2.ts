// l2_lookup: known unicast MACs map to their port inside the frame's network (a remote
// endpoint's MAC to its pipeline port, which output sends through the tunnel); broadcast
// and multicast are marked for flooding within the network; unknown unicast is dropped.
import { cookie, endpointObject, gatewayObject, remoteEndpointObject, TABLE_WIDE, type FlowObject } from '../cookies';
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

/** Where a MAC is: an endpoint, local or remote, has these fields itself. */
type MacInNetwork = Pick<PipelineEndpoint, 'networkTag' | 'mac'>;

/** A unicast MAC known in a network: frames to it go to its port, marked with what is there. */
function knownMac(object: FlowObject, at: MacInNetwork, port: number, kind: number, reason: string): FlowSpec {
  return {
    table: 'l2_lookup',
    priority: BAND.known_mac,
    cookie: cookie('l2', object),
    match: [fieldMatch(NETWORK_TAG, at.networkTag), { field: 'eth_dst', value: at.mac }],
    actions: choose(port, kind),
    goto: 'policy',
    reason,
  };
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
    const { ofport, mac } = net.gateway;
    const reason = `the gateway of network ${net.tag} is port ${ofport}`;
    flows.push(knownMac(gatewayObject(ofport), { networkTag: net.tag, mac }, ofport, Kind.GATEWAY, reason));
  }
  return flows;
}

export function l2EndpointFlows(ep: PipelineEndpoint): FlowSpec[] {
  return [knownMac(endpointObject(ep.ofport), ep, ep.ofport, Kind.ENDPOINT, `${ep.mac} is on port ${ep.ofport}`)];
}

export function l2RemoteFlows(ep: ResolvedRemoteEndpoint): FlowSpec[] {
  const reason = `${ep.mac} is remote endpoint ${ep.id} on host ${ep.host}`;
  return [knownMac(remoteEndpointObject(ep.id), ep, remotePort(ep.id), Kind.REMOTE, reason)];
}
