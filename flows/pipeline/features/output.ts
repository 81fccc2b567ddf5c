// output: deliver to the chosen port, or flood within the frame's network. With ICC off a
// broadcast from an endpoint reaches only the gateway (ARP for the gateway still works);
// from the gateway it reaches every endpoint. A flow message is at most 64 KiB, so a large
// network floods in slices of FLOOD_SLICE ports: each slice outputs its ports, bumps
// flood_chunk and resubmits to this table for the next slice.
import { cookie, endpointObject, gatewayObject, networkObject } from '../cookies';
import { Priority } from '../priorities';
import {
  fieldMatch,
  loadField,
  Kind,
  FLOOD_CHUNK,
  NETWORK_TAG,
  OUTPUT_PORT,
  SOURCE_KIND,
  DESTINATION_KIND,
} from '../registers';
import { tableNumber } from '../tables';
import type { PipelineEndpoint, PipelineState } from '../model';
import type { FlowSpec } from '../spec';
import type { Action } from '../../ofp/actions';
import type { MatchField } from '../../ofp/match';

const BAND = Priority.output;

/** 1024 outputs of 16 bytes leave room for the match; 255 slices cover any OVS bridge. */
export const FLOOD_SLICE = 1024;

/** The flows that flood `ports`, one per slice, all matching `match`. */
export function floodFlows(base: Omit<FlowSpec, 'actions' | 'table'>, ports: number[]): FlowSpec[] {
  const slices = Math.max(1, Math.ceil(ports.length / FLOOD_SLICE));
  if (slices > 2 ** FLOOD_CHUNK.bits - 1) throw new Error(`cannot flood ${ports.length} ports in one network`);
  const flows: FlowSpec[] = [];
  for (let i = 0; i < slices; i++) {
    const slice = ports.slice(i * FLOOD_SLICE, (i + 1) * FLOOD_SLICE);
    const more = i + 1 < slices;
    const actions: Action[] = slice.map((port) => ({ type: 'output' as const, port }));
    if (more) actions.push(loadField(FLOOD_CHUNK, i + 1), { type: 'resubmit', table: tableNumber('output') });
    flows.push({
      ...base,
      table: 'output',
      match: [...base.match, fieldMatch(FLOOD_CHUNK, i)],
      actions,
      reason: slices > 1 ? `${base.reason}, slice ${i + 1} of ${slices}` : base.reason,
    });
  }
  return flows;
}

export function outputFlows(state: PipelineState): FlowSpec[] {
  const flows: FlowSpec[] = [];
  const ports = new Map<number, number[]>();
  for (const ep of state.endpoints) {
    const members = ports.get(ep.networkTag);
    if (members) members.push(ep.ofport);
    else ports.set(ep.networkTag, [ep.ofport]);
  }
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
