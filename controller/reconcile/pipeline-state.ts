// Maps the controller's records (with realised OpenFlow ports) onto the pipeline's input.
import type { PipelineRule, PipelineState } from '../../flows/pipeline/model';
import type { RemoteEndpoint } from '../cnm/hosts';
import { containerRules } from '../cnm/container-rules';
import { networkRules } from '../cnm/network-rules';
import { SelectorResolver } from '../cnm/rule-selectors';
import { gatewayMac } from './desired-ports';
import type { DataplaneState } from './ovs-dataplane';
import { remoteIdOf, toPipelineOverlay } from './overlay-state';

const bare = (cidr: string | undefined): string | undefined => cidr?.split('/')[0];

export function toPipelineState(state: DataplaneState): PipelineState {
  const tagOf = new Map(state.networks.map((n) => [n.id, n.tag]));
  const networks = state.networks.map((n) => {
    const ofport = state.gateways.get(n.id);
    return {
      tag: n.tag,
      icc: n.icc,
      internal: n.internal,
      subnets: [...n.ipv4, ...n.ipv6].map((s) => s.pool),
      gatewayAddresses: [...n.ipv4, ...n.ipv6].flatMap((s) => (s.gateway !== undefined ? [s.gateway] : [])),
      ...(ofport !== undefined ? { gateway: { ofport, mac: gatewayMac(n.tag) } } : {}),
      ...(state.overlay && n.vni !== undefined ? { vni: n.vni, tunnel: n.tunnel ?? 'vxlan' } : {}),
    };
  });
  // One object shape for all (an absent address is undefined): see overlay-state.ts.
  const endpoints = state.endpoints.map((e) => ({
    ofport: e.realisedOfport,
    networkTag: tagOf.get(e.networkId) ?? 0,
    mac: e.mac,
    ipv4: bare(e.ipv4),
    ipv6: bare(e.ipv6),
  }));
  // Rules get small conjunction ids in a stable order (by their content-derived id; those
  // from containers' labels, "label-…", and from their networks, "net-…", after the stored ones).
  const rules: PipelineRule[] = [];
  const resolvers = new Map<string, SelectorResolver<DataplaneState['endpoints'][number]>>();
  const resolverOf = (networkId: string): SelectorResolver<DataplaneState['endpoints'][number]> => {
    let resolver = resolvers.get(networkId);
    if (!resolver) {
      resolver = new SelectorResolver(state.endpoints.filter((e) => e.networkId === networkId));
      resolvers.set(networkId, resolver);
    }
    return resolver;
  };
  const remoteEndpoints = state.overlay?.remoteEndpoints ?? [];
  const remoteResolvers = new Map<string, SelectorResolver<RemoteEndpoint>>();
  const remoteResolverOf = (networkId: string): SelectorResolver<RemoteEndpoint> => {
    let resolver = remoteResolvers.get(networkId);
    if (!resolver) {
      resolver = new SelectorResolver(remoteEndpoints.filter((e) => e.networkId === networkId));
      remoteResolvers.set(networkId, resolver);
    }
    return resolver;
  };
  // Rules from containers' labels come from every host's containers: both ends of a
  // tunnel check the same rule.
  [...state.rules, ...networkRules(state.networks), ...containerRules([...state.endpoints, ...remoteEndpoints])]
    .sort((a, b) => a.id.localeCompare(b.id))
    .forEach((rule, index) => {
      const resolver = resolverOf(rule.networkId);
      const from = resolver.select(rule.from).map((e) => e.realisedOfport);
      const to = resolver.select(rule.to).map((e) => e.realisedOfport);
      const remote = remoteResolverOf(rule.networkId);
      const remoteIds = (selector: string): number[] =>
        remote.select(selector).flatMap((e) => {
          const id = remoteIdOf(e);
          return id !== undefined ? [id] : [];
        });
      const fromRemote = remoteIds(rule.from);
      const toRemote = remoteIds(rule.to);
      // Nothing to allow until both sides exist (here or, across hosts, anywhere).
      if (from.length + fromRemote.length === 0 || to.length + toRemote.length === 0) return;
      rules.push({
        id: index + 1,
        networkTag: tagOf.get(rule.networkId) ?? 0,
        from,
        to,
        ...(fromRemote.length > 0 ? { fromRemote } : {}),
        ...(toRemote.length > 0 ? { toRemote } : {}),
        ...(rule.proto !== undefined ? { proto: rule.proto } : {}),
        ...(rule.port !== undefined ? { port: rule.port } : {}),
        ...(rule.stateless === true ? {} : { stateful: true }),
      });
    });
  const overlay = state.overlay ? toPipelineOverlay(state.overlay, tagOf) : undefined;
  return { networks, endpoints: endpoints.filter((e) => e.networkTag !== 0), rules, ...(overlay ?? {}) };
}
