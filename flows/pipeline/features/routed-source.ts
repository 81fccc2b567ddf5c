// routed_source: the host routes between its gateway ports, so a packet arriving from one
// network's gateway may come from a container of another ovsnet network. Recording the
// network of its source address lets policy drop such routed traffic, as Docker's bridge
// isolation does, while the host itself (its gateway addresses) and the outside world
// still reach the containers.
import { cookie, networkObject, TABLE_WIDE } from '../cookies';
import { Priority } from '../priorities';
import { SOURCE_NETWORK, loadField } from '../registers';
import type { PipelineState } from '../model';
import type { FlowSpec } from '../spec';
import { addressMatch } from '../prefix';

const BAND = Priority.routed_source;

export function routedSourceFlows(state: PipelineState): FlowSpec[] {
  const flows: FlowSpec[] = [
    {
      table: 'routed_source',
      priority: BAND.outside,
      cookie: cookie('routed_source', TABLE_WIDE),
      match: [],
      actions: [],
      goto: 'l2_lookup',
      reason: 'from the host or the outside world',
    },
  ];
  for (const net of state.networks) {
    const c = cookie('routed_source', networkObject(net.tag));
    for (const subnet of net.subnets) {
      flows.push({
        table: 'routed_source',
        priority: BAND.subnet,
        cookie: c,
        match: addressMatch(subnet, 'src'),
        actions: [loadField(SOURCE_NETWORK, net.tag)],
        goto: 'l2_lookup',
        reason: `source in ${subnet}: network ${net.tag}`,
      });
    }
    for (const gateway of net.gatewayAddresses ?? []) {
      flows.push({
        table: 'routed_source',
        priority: BAND.host_address,
        cookie: c,
        match: addressMatch(gateway, 'src'),
        actions: [],
        goto: 'l2_lookup',
        reason: `${gateway} is the host itself`,
      });
    }
  }
  return flows;
}
