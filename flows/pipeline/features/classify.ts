// classify: which network a frame belongs to and where it came from. Frames from unknown
// ports and VLAN-tagged frames never get further.
import { cookie } from '../cookies';
import { Kind, NETWORK_TAG, SOURCE_KIND, loadField } from '../registers';
import type { PipelineEndpoint, PipelineState } from '../model';
import type { FlowSpec } from '../spec';
import type { Action } from '../../ofp/actions';

function tagActions(tag: number, kind: number): Action[] {
  return [loadField(NETWORK_TAG, tag), loadField(SOURCE_KIND, kind)];
}

export function classifyFlows(state: PipelineState): FlowSpec[] {
  const flows: FlowSpec[] = [
    {
      table: 'classify',
      priority: 200,
      cookie: cookie('classify', 0),
      match: [{ field: 'vlan_vid', value: 0x1000, mask: 0x1000 }],
      actions: [],
      reason: '802.1Q-tagged frames are never accepted from a port',
    },
  ];
  for (const net of state.networks) {
    if (!net.gateway) continue;
    flows.push({
      table: 'classify',
      priority: 100,
      cookie: cookie('classify', net.gateway.ofport),
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
      priority: 100,
      cookie: cookie('classify', ep.ofport),
      match: [{ field: 'in_port', value: ep.ofport }],
      actions: tagActions(ep.networkTag, Kind.ENDPOINT),
      goto: 'port_security',
      reason: `endpoint port ${ep.ofport} belongs to network ${ep.networkTag}`,
    },
  ];
}
