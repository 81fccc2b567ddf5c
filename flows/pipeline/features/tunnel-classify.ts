// Frames that arrive from a tunnel port: classify lets through those whose outer source is
// a live host's tunnel address (one flow per host and tunnel port), tunnel_classify tags
// them with the network of their VNI on that tunnel type. Anything else is dropped: an
// unknown or dead host, a VNI no network has, a network's VNI on the other tunnel type.
import { cookie, networkObject, remoteHostObject } from '../cookies';
import { Priority } from '../priorities';
import { Kind, NETWORK_TAG, SOURCE_KIND, loadField } from '../registers';
import type { PipelineState } from '../model';
import type { FlowSpec } from '../spec';
import { liveHosts, overlayNetworks, tunnelPorts } from '../overlay';
import { tunnelFields } from '../tunnel';

export function tunnelClassifyFlows(state: PipelineState): FlowSpec[] {
  const flows: FlowSpec[] = [];
  const tunnels = tunnelPorts(state);
  for (const host of liveHosts(state)) {
    for (const tunnel of tunnels) {
      flows.push({
        table: 'classify',
        priority: Priority.classify.tunnel_peer,
        cookie: cookie('classify', remoteHostObject(host.id)),
        match: [
          { field: 'in_port', value: tunnel.ofport },
          { field: tunnelFields(host.tunnelIp).src, value: host.tunnelIp },
        ],
        actions: [],
        goto: 'tunnel_classify',
        reason: `${tunnel.type} from host ${host.id} (${host.tunnelIp}), which is alive`,
      });
    }
  }
  for (const net of overlayNetworks(state).values()) {
    flows.push({
      table: 'tunnel_classify',
      priority: Priority.tunnel_classify.known_vni,
      cookie: cookie('tunnel_classify', networkObject(net.tag)),
      match: [
        { field: 'in_port', value: net.port },
        { field: 'tun_id', value: BigInt(net.vni) },
      ],
      actions: [loadField(NETWORK_TAG, net.tag), loadField(SOURCE_KIND, Kind.REMOTE)],
      goto: 'tunnel_security',
      reason: `VNI ${net.vni} over ${net.type} is network ${net.tag}`,
    });
  }
  return flows;
}
