// Allow rules as a person checks them: each with the endpoints its selectors match now
// (stored rules and those containers carry in their labels), and adding a rule that
// refuses to match nothing unless told the containers are still to come (`allowEmpty`).
// The network may be named as on the command line (id, id prefix, name or key).
import { conflict, invalid, notFound } from '../errors';
import { containerRules } from './container-rules';
import { networksReferredTo } from './network-ref';
import { ALLOW_OPTION, isNetworkRuleId, networkRules } from './network-rules';
import type { EndpointRecord, NetworkRecord } from './records';
import type { Registry } from './registry';
import { parseSelector, SelectorResolver } from './rule-selectors';
import type { AllowRule } from './types';

/** An endpoint a rule matches, as `policy ls` names it. */
export interface MatchedEndpoint {
  endpointId: string;
  /** The container's name, when known. */
  name?: string;
  ipv4?: string;
  ipv6?: string;
  /** The host it lives on (cluster store only). */
  host?: string;
}

export interface RuleStatus extends AllowRule {
  /**
   * `stored` by `policy allow`, asked for by a container's `ovsnet.allow-from` label, or
   * given with its `network` (`-o ovsnet.allow`).
   */
  origin: 'stored' | 'label' | 'network';
  matches: { from: MatchedEndpoint[]; to: MatchedEndpoint[] };
}

export type AllowRequest = Omit<AllowRule, 'id'> & {
  /** Store the rule even though a side matches no endpoint yet. */
  allowEmpty?: boolean;
};

function describe(e: EndpointRecord): MatchedEndpoint {
  const name = e.container?.name ?? e.containerName;
  return {
    endpointId: e.endpointId,
    ...(name !== undefined ? { name } : {}),
    ...(e.ipv4 !== undefined ? { ipv4: e.ipv4.split('/')[0] } : {}),
    ...(e.ipv6 !== undefined ? { ipv6: e.ipv6.split('/')[0] } : {}),
    ...(e.host !== undefined ? { host: e.host } : {}),
  };
}

function statusOf(rule: AllowRule, origin: RuleStatus['origin'], endpoints: EndpointRecord[]): RuleStatus {
  const resolver = new SelectorResolver(endpoints.filter((e) => e.networkId === rule.networkId));
  return {
    ...rule,
    origin,
    matches: { from: resolver.select(rule.from).map(describe), to: resolver.select(rule.to).map(describe) },
  };
}

/** Every rule, stored, from networks and from labels, with what it matches now. */
export async function ruleStatuses(registry: Registry): Promise<RuleStatus[]> {
  const endpoints = await registry.endpoints.list();
  const stored = (await registry.allowRules.list()).map((r) => statusOf(r, 'stored', endpoints));
  const ofNetworks = networkRules(await registry.networks.list()).map((r) => statusOf(r, 'network', endpoints));
  const labelled = containerRules(endpoints).map((r) => statusOf(r, 'label', endpoints));
  return [...stored, ...ofNetworks, ...labelled];
}

/** Removes a stored rule; a network's rule is refused, naming the network it goes with. */
export async function removeRule(registry: Registry, id: string): Promise<void> {
  if (isNetworkRuleId(id)) {
    const rule = networkRules(await registry.networks.list()).find((r) => r.id === id);
    if (rule) {
      const network = await registry.networks.get(rule.networkId);
      throw invalid(
        `rule "${id}" was given with network "${network?.name ?? network?.key ?? rule.networkId}" (-o ${ALLOW_OPTION}); it goes when the network is removed`,
      );
    }
  }
  await registry.allowRules.remove(id);
}

/** Docker's id for a network name (Docker never tells its drivers the names); undefined: none. */
export type DockerNetworkNames = (name: string) => Promise<string | undefined>;

/** The network a command line names; NOT_FOUND for none, INVALID_ARGUMENT for several. */
export async function resolveNetwork(
  networks: readonly NetworkRecord[],
  ref: unknown,
  dockerNames?: DockerNetworkNames,
): Promise<NetworkRecord> {
  if (typeof ref !== 'string' || ref === '') throw invalid('rule "networkId" must be a network name or id');
  const exact = networks.find((n) => n.id === ref);
  if (exact) return exact;
  const found = networksReferredTo(networks, ref);
  if (found.length === 1) return found[0] as NetworkRecord;
  if (found.length === 0 && dockerNames) {
    // A name given to `docker network create`: only Docker knows it.
    const id = await dockerNames(ref).catch(() => undefined);
    const named = networks.find((n) => n.id === id);
    if (named) return named;
  }
  if (found.length === 0) throw notFound(`network "${ref}" does not exist`);
  throw invalid(`"${ref}" matches ${found.length} networks`);
}

/** Adds the rule; CONFLICT when a side matches no endpoint and `allowEmpty` is not set. */
export async function allowRule(
  registry: Registry,
  request: AllowRequest,
  dockerNames?: DockerNetworkNames,
): Promise<RuleStatus> {
  if (typeof request !== 'object' || request === null) throw invalid('rule must be an object');
  const { allowEmpty, ...input } = request;
  const network = await resolveNetwork(await registry.networks.list(), input.networkId, dockerNames);
  const endpoints = await registry.endpoints.list(network.id);
  // A malformed selector is INVALID_ARGUMENT, before it could be "matches nothing".
  for (const side of ['from', 'to'] as const) parseSelector(input[side], `rule "${side}"`);
  const preview = statusOf({ ...input, networkId: network.id, id: '' }, 'stored', endpoints);
  if (allowEmpty !== true) {
    const empty = (['from', 'to'] as const).filter((side) => preview.matches[side].length === 0);
    if (empty.length > 0)
      throw conflict(
        `${empty.map((side) => `--${side} "${input[side]}"`).join(' and ')} ${empty.length > 1 ? 'match' : 'matches'} no endpoint of network "${network.name ?? network.id}" now; ` +
          'add --allow-empty to keep the rule for containers not started yet',
      );
  }
  const rule = await registry.allowRules.add({ ...input, networkId: network.id });
  return statusOf(rule, 'stored', endpoints);
}
