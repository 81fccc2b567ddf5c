// What the output table sends across hosts. Unicast to a remote endpoint goes through its
// network's tunnel port to its host (tun_dst) with the network's VNI (tun_id). Broadcast
// and multicast from a local endpoint of an ICC-on network also go once to each live host
// with members in the network, and nowhere else on the underlay. A broadcast that came
// from a tunnel reaches local endpoints only (ICC off: nobody, as a local endpoint's would
// reach only its own host's gateway): never a tunnel again, never this host's gateway.
import { cookie, networkObject, remoteEndpointObject } from '../cookies';
import { Priority } from '../priorities';
import { DESTINATION_KIND, fieldMatch, Kind, NETWORK_TAG, OUTPUT_PORT, SOURCE_KIND } from '../registers';
import type { PipelineState } from '../model';
import type { FlowSpec } from '../spec';
import { floodPeers, overlayNetworks, type ResolvedRemoteEndpoint } from '../overlay';
import { remotePort, tunnelFields } from '../tunnel';
import { floodFlows } from './flood';
import { localMembers } from './output';

const BAND = Priority.output;

export function tunnelOutputFlows(state: PipelineState): FlowSpec[] {
  const flows: FlowSpec[] = [];
  const overlay = overlayNetworks(state);
  if (overlay.size === 0) return flows;
  const members = localMembers(state);
  const peers = floodPeers(state);
  for (const net of state.networks) {
    const tunnel = overlay.get(net.tag);
    if (!tunnel) continue;
    const c = cookie('output', networkObject(net.tag));
    const local = members.get(net.tag) ?? [];
    const broadcast = [fieldMatch(NETWORK_TAG, net.tag), fieldMatch(DESTINATION_KIND, Kind.BROADCAST)];
    flows.push(
      ...floodFlows(
        {
          priority: BAND.tunnel_flood,
          cookie: c,
          match: [...broadcast, fieldMatch(SOURCE_KIND, Kind.REMOTE)],
          reason: net.icc
            ? `network ${net.tag}: a broadcast from a tunnel reaches the local endpoints`
            : `network ${net.tag} (ICC off): a broadcast from a tunnel reaches nobody here`,
        },
        net.icc ? local : [],
      ),
    );
    const hosts = peers.get(net.tag) ?? [];
    if (!net.icc || hosts.length === 0) continue;
    flows.push(
      ...floodFlows(
        {
          priority: BAND.endpoint_flood,
          cookie: c,
          match: [...broadcast, fieldMatch(SOURCE_KIND, Kind.ENDPOINT)],
          reason: `flood within network ${net.tag} and once to each of ${hosts.length} hosts with members`,
        },
        [...(net.gateway ? [net.gateway.ofport] : []), ...local],
        { vni: tunnel.vni, port: tunnel.port, hosts: hosts.map((h) => h.tunnelIp) },
      ),
    );
  }
  return flows;
}

export function outputRemoteFlows(ep: ResolvedRemoteEndpoint): FlowSpec[] {
  return [
    {
      table: 'output',
      priority: BAND.deliver,
      cookie: cookie('output', remoteEndpointObject(ep.id)),
      match: [fieldMatch(OUTPUT_PORT, remotePort(ep.id))],
      actions: [
        { type: 'set_field', field: 'tun_id', value: BigInt(ep.vni) },
        { type: 'set_field', field: tunnelFields(ep.tunnelIp).dst, value: ep.tunnelIp },
        { type: 'output', port: ep.tunnelPort },
      ],
      reason: `through the tunnel to host ${ep.host} (${ep.tunnelIp}), VNI ${ep.vni}: remote endpoint ${ep.id}`,
    },
  ];
}
