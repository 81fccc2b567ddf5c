// output: deliver to the chosen port, or flood within the frame's network. With ICC off a
// broadcast from an endpoint reaches only the gateway (ARP for the gateway still works);
// from the gateway it reaches every endpoint. Large networks flood in slices (flood.ts).
// What crosses hosts is added by tunnel-output.ts.
import { cookie, endpointObject, gatewayObject, networkObject } from '../cookies';
import { Priority } from '../priorities';
import { fieldMatch, Kind, NETWORK_TAG, OUTPUT_PORT, SOURCE_KIND, DESTINATION_KIND } from '../registers';
import type { PipelineEndpoint, PipelineState } from '../model';
import type { FlowSpec } from '../spec';
import type { MatchField } from '../../ofp/match';
import { floodFlows } from './flood';

const BAND = Priority.output;

export { FLOOD_SLICE } from './flood';

/** Per network tag, the ports of its local endpoints. */
export function localMembers(state: PipelineState): Map<number, number[]> {
  const ports = new Map<number, number[]>();
  for (const ep of state.endpoints) {
    const members = ports.get(ep.networkTag);
    if (members) members.push(ep.ofport);
    else ports.set(ep.networkTag, [ep.ofport]);
  }
  return ports;
}

export function outputFlows(state: PipelineState): FlowSpec[] {
  const flows: FlowSpec[] = [];
  const ports = localMembers(state);
  for (const net of state.networks) {
    const members = ports.get(net.tag) ?? [];
    const c = cookie('output', networkObject(net.tag));
    const gateway = net.gateway ? [net.gateway.ofport] : [];
    if (net.gateway) {
      flows.push({
        table: 'output',
        priority: BAND.deliver,
        cookie: cookie('output', gatewayObject(net.gateway.ofport)),
        match: [fieldMatch(OUTPUT_PORT, net.gateway.ofport)],
        actions: [{ type: 'output', port: net.gateway.ofport }],
        reason: `deliver to the gateway of network ${net.tag}`,
      });
    }
    const broadcast: MatchField[] = [fieldMatch(NETWORK_TAG, net.tag), fieldMatch(DESTINATION_KIND, Kind.BROADCAST)];
    if (net.icc) {
      flows.push(
        ...floodFlows(
          {
            priority: BAND.flood,
            cookie: c,
            match: broadcast,
            reason: `flood within network ${net.tag} (the sender is skipped)`,
          },
          [...gateway, ...members],
        ),
      );
    } else {
      flows.push(
        ...floodFlows(
          {
            priority: BAND.gateway_flood,
            cookie: c,
            match: [...broadcast, fieldMatch(SOURCE_KIND, Kind.GATEWAY)],
            reason: `network ${net.tag} (ICC off): the gateway's broadcasts reach every endpoint`,
          },
          members,
        ),
        ...floodFlows(
          {
            priority: BAND.flood,
            cookie: c,
            match: broadcast,
            reason: `network ${net.tag} (ICC off): an endpoint's broadcasts reach only the gateway`,
          },
          gateway,
        ),
      );
    }
  }
  return flows;
}

export function outputEndpointFlows(ep: PipelineEndpoint): FlowSpec[] {
  return [
    {
      table: 'output',
      priority: BAND.deliver,
      cookie: cookie('output', endpointObject(ep.ofport)),
      match: [fieldMatch(OUTPUT_PORT, ep.ofport)],
      actions: [{ type: 'output', port: ep.ofport }],
      reason: `deliver to port ${ep.ofport}`,
    },
  ];
}
