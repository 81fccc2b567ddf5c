// tunnel_security: a frame from a tunnel is accepted only if its inner source (MAC, IP, ARP
// and ND fields, as port_security checks a container port) is an endpoint of the host that
// sent it (tun_src) in the network of its VNI: a host speaks only for its own containers,
// and only in their networks. Accepted frames carry the sender's pipeline port in
// remote_source (for allow rules) and go on to l2_lookup, skipping the ARP responder.
import { cookie, remoteEndpointObject, TABLE_WIDE } from '../cookies';
import { fieldMatch, loadField, NETWORK_TAG, REMOTE_SOURCE } from '../registers';
import { tableNumber } from '../tables';
import type { PipelineState } from '../model';
import type { FlowSpec } from '../spec';
import { hasOverlay, type ResolvedRemoteEndpoint } from '../overlay';
import { remotePort, tunnelFields } from '../tunnel';
import { guardSenderFlows, guardTableFlows, type Continuation } from './source-guard';

export function tunnelSecurityFlows(state: PipelineState): FlowSpec[] {
  if (!hasOverlay(state)) return [];
  return guardTableFlows('tunnel_security', cookie('tunnel_security', TABLE_WIDE), {
    senders: 'remote containers',
    owner: 'the remote endpoint',
  });
}

export function tunnelSecurityEndpointFlows(ep: ResolvedRemoteEndpoint): FlowSpec[] {
  const accept: Continuation = {
    actions: [loadField(REMOTE_SOURCE, remotePort(ep.id)), { type: 'resubmit', table: tableNumber('l2_lookup') }],
  };
  return guardSenderFlows(
    'tunnel_security',
    cookie('tunnel_security', remoteEndpointObject(ep.id)),
    {
      mac: ep.mac,
      ...(ep.ipv4 !== undefined ? { ipv4: ep.ipv4 } : {}),
      ...(ep.ipv6 !== undefined ? { ipv6: ep.ipv6 } : {}),
      identity: [fieldMatch(NETWORK_TAG, ep.networkTag), { field: tunnelFields(ep.tunnelIp).src, value: ep.tunnelIp }],
      where: `from host ${ep.host} (${ep.tunnelIp})`,
    },
    { plain: accept, neighbour: accept },
  );
}
