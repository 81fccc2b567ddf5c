// classify: which network a frame belongs to and where it came from. Frames from unknown
// ports and VLAN-tagged frames (one tag or stacked) never get further.
import { cookie, endpointObject, gatewayObject, TABLE_WIDE, type FlowObject } from '../cookies';
import { Priority } from '../priorities';
import { Kind, NETWORK_TAG, SOURCE_KIND, loadField } from '../registers';
import type { PipelineEndpoint, PipelineState } from '../model';
import type { FlowSpec } from '../spec';
import type { TableName } from '../tables';
import { OFPVID_PRESENT } from '../../ofp/constants';
import { LEGACY_QINQ_TPIDS } from '../protocols';

const BAND = Priority.classify;

/** A port and its network: an endpoint has these fields itself. */
type NetworkPort = Pick<PipelineEndpoint, 'ofport' | 'networkTag'>;

/** A port of a network: what arrives on it is tagged with the network and the kind of sender. */
function knownPort(object: FlowObject, port: NetworkPort, kind: number, next: TableName, reason: string): FlowSpec {
  return {
    table: 'classify',
    priority: BAND.known_port,
    cookie: cookie('classify', object),
    match: [{ field: 'in_port', value: port.ofport }],
    actions: [loadField(NETWORK_TAG, port.networkTag), loadField(SOURCE_KIND, kind)],
    goto: next,
    reason,
  };
}

export function classifyFlows(state: PipelineState): FlowSpec[] {
  const flows: FlowSpec[] = [
    {
      table: 'classify',
      priority: BAND.tagged_frame,
      cookie: cookie('classify', TABLE_WIDE),
      match: [{ field: 'vlan_vid', value: OFPVID_PRESENT, mask: OFPVID_PRESENT }],
      actions: [],
      // OVS parses an 802.1ad (0x88a8) outer tag into vlan_vid too, so this drops QinQ as well.
      reason: '802.1Q- and 802.1ad-tagged frames are never accepted from a port',
    },
    ...LEGACY_QINQ_TPIDS.map((tpid): FlowSpec => ({
      table: 'classify',
      priority: BAND.tagged_frame,
      cookie: cookie('classify', TABLE_WIDE),
      match: [{ field: 'eth_type', value: tpid }],
      actions: [],
      reason: `frames with a legacy QinQ tag (0x${tpid.toString(16)}) are never accepted from a port`,
    })),
  ];
  for (const net of state.networks) {
    if (!net.gateway) continue;
    const { ofport } = net.gateway;
    const reason = `gateway port ${ofport} of network ${net.tag} (trusted: the host)`;
    flows.push(
      knownPort(gatewayObject(ofport), { ofport, networkTag: net.tag }, Kind.GATEWAY, 'routed_source', reason),
    );
  }
  return flows;
}

export function classifyEndpointFlows(ep: PipelineEndpoint): FlowSpec[] {
  const reason = `endpoint port ${ep.ofport} belongs to network ${ep.networkTag}`;
  return [knownPort(endpointObject(ep.ofport), ep, Kind.ENDPOINT, 'port_security', reason)];
}
