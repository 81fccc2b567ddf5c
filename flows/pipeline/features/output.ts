// output: deliver to the chosen port, or flood within the frame's network. With ICC off a
// broadcast from an endpoint reaches only the gateway (ARP for the gateway still works);
// from the gateway it reaches every endpoint.
import { cookie } from '../cookies';
import { fieldMatch, Kind, NETWORK_TAG, OUTPUT_PORT, SOURCE_KIND, DESTINATION_KIND } from '../registers';
import type { PipelineState } from '../model';
import type { FlowSpec } from '../spec';
import type { Action } from '../../ofp/actions';

export function outputFlows(state: PipelineState): FlowSpec[] {
  const flows: FlowSpec[] = [];
  const ports = new Map<number, number[]>();
  for (const ep of state.endpoints) {
    flows.push({ table: 'output', priority: 100, cookie: cookie('output', ep.ofport), match: [{ field: OUTPUT_PORT.register, value: ep.ofport }], actions: [{ type: 'output', port: ep.ofport }], reason: `deliver to port ${ep.ofport}` });
    ports.set(ep.networkTag, [...(ports.get(ep.networkTag) ?? []), ep.ofport]);
  }
  for (const net of state.networks) {
    const members = ports.get(net.tag) ?? [];
    const c = cookie('output', net.tag << 8);
    const gateway = net.gateway ? [net.gateway.ofport] : [];
    if (net.gateway) {
      flows.push({ table: 'output', priority: 100, cookie: cookie('output', net.gateway.ofport), match: [{ field: OUTPUT_PORT.register, value: net.gateway.ofport }], actions: [{ type: 'output', port: net.gateway.ofport }], reason: `deliver to the gateway of network ${net.tag}` });
    }
    const outputs = (list: number[]): Action[] => list.map((port) => ({ type: 'output' as const, port }));
    const broadcast = [fieldMatch(NETWORK_TAG, net.tag), fieldMatch(DESTINATION_KIND, Kind.BROADCAST)];
    if (net.icc) {
      flows.push({ table: 'output', priority: 50, cookie: c, match: broadcast, actions: outputs([...gateway, ...members]), reason: `flood within network ${net.tag} (the sender is skipped)` });
    } else {
      flows.push(
        { table: 'output', priority: 60, cookie: c, match: [...broadcast, fieldMatch(SOURCE_KIND, Kind.GATEWAY)], actions: outputs(members), reason: `network ${net.tag} (ICC off): the gateway's broadcasts reach every endpoint` },
        { table: 'output', priority: 50, cookie: c, match: broadcast, actions: outputs(gateway), reason: `network ${net.tag} (ICC off): an endpoint's broadcasts reach only the gateway` },
      );
    }
  }
  return flows;
}
