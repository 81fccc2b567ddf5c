// Maps the controller's records (with realised OpenFlow ports) onto the pipeline's input.
import type { PipelineRule, PipelineState } from '../../flows/pipeline/model';
import type { EndpointRecord } from '../cnm/records';
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
  const endpoints = state.endpoints.map((e) => {
    const ipv4 = bare(e.ipv4);
    const ipv6 = bare(e.ipv6);
    return {
      ofport: e.realisedOfport,
      networkTag: tagOf.get(e.networkId) ?? 0,
      mac: e.mac,
      ...(ipv4 !== undefined ? { ipv4 } : {}),
      ...(ipv6 !== undefined ? { ipv6 } : {}),
    };
  });
  // Rules get small conjunction ids in a stable order (by their content-derived id).
  const rules: PipelineRule[] = [];
  [...state.rules]
    .sort((a, b) => a.id.localeCompare(b.id))
    .forEach((rule, index) => {
      const members = state.endpoints.filter((e) => e.networkId === rule.networkId);
      const remoteMembers = (state.overlay?.remoteEndpoints ?? []).filter((e) => e.networkId === rule.networkId);
      const matches = (e: EndpointRecord, selector: string): boolean =>
        e.endpointId === selector ||
        (selector.length >= 12 && e.endpointId.startsWith(selector)) ||
        e.containerName === selector ||
        bare(e.ipv4) === selector ||
        bare(e.ipv6) === selector;
      const select = (selector: string): number[] =>
        members.filter((e) => matches(e, selector)).map((e) => e.realisedOfport);
      const selectRemote = (selector: string): number[] =>
        remoteMembers.flatMap((e) => {
          const id = matches(e, selector) ? remoteIdOf(e) : undefined;
          return id !== undefined ? [id] : [];
        });
      const from = select(rule.from);
      const to = select(rule.to);
      const fromRemote = selectRemote(rule.from);
      const toRemote = selectRemote(rule.to);
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
      });
    });
  const overlay = state.overlay ? toPipelineOverlay(state.overlay, tagOf) : undefined;
  return { networks, endpoints: endpoints.filter((e) => e.networkTag !== 0), rules, ...(overlay ?? {}) };
}
