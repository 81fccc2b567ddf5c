// classify: which network a frame belongs to and where it came from. Frames from unknown
// ports and VLAN-tagged frames never get further.
import { cookie, endpointObject, gatewayObject, TABLE_WIDE } from '../cookies';
import { Priority } from '../priorities';
import { Kind, NETWORK_TAG, SOURCE_KIND, loadField } from '../registers';
import type { PipelineEndpoint, PipelineState } from '../model';
import type { FlowSpec } from '../spec';
import type { Action } from '../../ofp/actions';
import { OFPVID_PRESENT } from '../../ofp/constants';

const BAND = Priority.classify;

function tagActions(tag: number, kind: number): Action[] {
  return [loadField(NETWORK_TAG, tag), loadField(SOURCE_KIND, kind)];
}

export function classifyFlows(state: PipelineState): FlowSpec[] {
  const flows: FlowSpec[] = [
    {
      table: 'classify',
      priority: BAND.tagged_frame,
      cookie: cookie('classify', TABLE_WIDE),
      match: [{ field: 'vlan_vid', value: OFPVID_PRESENT, mask: OFPVID_PRESENT }],
      actions: [],
      reason: '802.1Q-tagged frames are never accepted from a port',
    },
  ];
  for (const net of state.networks) {
    if (!net.gateway) continue;
    flows.push({
      table: 'classify',
      priority: BAND.known_port,
      cookie: cookie('classify', gatewayObject(net.gateway.ofport)),
      match: [{ field: 'in_port', value: net.gateway.ofport }],
      actions: tagActions(net.tag, Kind.GATEWAY),
      goto: 'routed_source',
      reason: `gateway port ${net.gateway.ofport} of network ${net.tag} (trusted: the host)`,
    });
  }
  return flows;
}

export function classifyEndpointFlows(ep: PipelineEndpoint): FlowSpec[] {
  return [
    {
      table: 'classify',
      priority: BAND.known_port,
      cookie: cookie('classify', endpointObject(ep.ofport)),
      match: [{ field: 'in_port', value: ep.ofport }],
      actions: tagActions(ep.networkTag, Kind.ENDPOINT),
      goto: 'port_security',
      reason: `endpoint port ${ep.ofport} belongs to network ${ep.networkTag}`,
    },
  ];
}
