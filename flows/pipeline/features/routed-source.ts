// routed_source: the host routes between its gateway ports, so a packet arriving from one
// network's gateway may come from a container of another ovsnet network. Recording the
// network of its source address lets policy drop such routed traffic, as Docker's bridge
// isolation does, while the host itself (its gateway addresses) and the outside world
// still reach the containers.
import { cookie } from '../cookies';
import { SOURCE_NETWORK, loadField } from '../registers';
import type { PipelineState } from '../model';
import type { FlowSpec } from '../spec';
import { ETH_IPV4, ETH_IPV6 } from '../ethertypes';
import { prefixMask } from '../prefix';

export function routedSourceFlows(state: PipelineState): FlowSpec[] {
  const flows: FlowSpec[] = [
    {
      table: 'routed_source',
      priority: 0,
      cookie: cookie('routed_source', 0),
      match: [],
      actions: [],
      goto: 'l2_lookup',
      reason: 'from the host or the outside world',
    },
  ];
  for (const net of state.networks) {
    const c = cookie('routed_source', net.tag);
    for (const subnet of net.subnets) {
      const [address, prefix] = subnet.split('/') as [string, string];
      const v6 = address.includes(':');
      flows.push({
        table: 'routed_source',
        priority: 100,
        cookie: c,
        match: [
          { field: 'eth_type', value: v6 ? ETH_IPV6 : ETH_IPV4 },
          { field: v6 ? 'ipv6_src' : 'ip_src', value: address, mask: prefixMask(Number(prefix), v6) },
        ],
        actions: [loadField(SOURCE_NETWORK, net.tag)],
        goto: 'l2_lookup',
        reason: `source in ${subnet}: network ${net.tag}`,
      });
    }
    for (const gateway of net.gatewayAddresses ?? []) {
      const v6 = gateway.includes(':');
      flows.push({
        table: 'routed_source',
        priority: 200,
        cookie: c,
        match: [
          { field: 'eth_type', value: v6 ? ETH_IPV6 : ETH_IPV4 },
          { field: v6 ? 'ipv6_src' : 'ip_src', value: gateway },
        ],
        actions: [],
        goto: 'l2_lookup',
        reason: `${gateway} is the host itself`,
      });
    }
  }
  return flows;
}
