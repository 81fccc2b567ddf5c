// classify: which network a frame belongs to and where it came from. Frames from unknown
// ports and VLAN-tagged frames never get further.
import { cookie } from '../cookies';
import { Kind, NETWORK_TAG, SOURCE_KIND } from '../registers';
import type { PipelineState } from '../model';
import type { FlowSpec } from '../spec';
import type { Action } from '../../ofp/actions';

function tagActions(tag: number, kind: number): Action[] {
  return [
    { type: 'load', field: NETWORK_TAG.register, value: tag, ofs: NETWORK_TAG.ofs, nBits: NETWORK_TAG.bits },
    { type: 'load', field: SOURCE_KIND.register, value: kind, ofs: SOURCE_KIND.ofs, nBits: SOURCE_KIND.bits },
  ];
}

export function classifyFlows(state: PipelineState): FlowSpec[] {
  const flows: FlowSpec[] = [
    {
      table: 'classify', priority: 200, cookie: cookie('classify', 0),
      match: [{ field: 'vlan_vid', value: 0x1000, mask: 0x1000 }], actions: [],
      reason: '802.1Q-tagged frames are never accepted from a port',
    },
  ];
  for (const ep of state.endpoints) {
    flows.push({
      table: 'classify', priority: 100, cookie: cookie('classify', ep.ofport),
      match: [{ field: 'in_port', value: ep.ofport }], actions: tagActions(ep.networkTag, Kind.ENDPOINT), goto: 'port_security',
      reason: `endpoint port ${ep.ofport} belongs to network ${ep.networkTag}`,
    });
  }
  for (const net of state.networks) {
    if (!net.gateway) continue;
    flows.push({
      table: 'classify', priority: 100, cookie: cookie('classify', net.gateway.ofport),
      match: [{ field: 'in_port', value: net.gateway.ofport }], actions: tagActions(net.tag, Kind.GATEWAY), goto: 'routed_source',
      reason: `gateway port ${net.gateway.ofport} of network ${net.tag} (trusted: the host)`,
    });
  }
  return flows;
}
