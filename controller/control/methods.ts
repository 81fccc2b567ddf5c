// The daemon's handlers for the control socket's methods, typed against the method map in
// contract.ts that the `ovsnet` CLI is typed against too.
import type { Registry } from '../cnm/registry';
import type { NetworkService } from '../network-service';
import type { IpamService } from '../ipam/service';
import type { OpenFlowSync } from '../reconcile/flow-sync';
import { identity } from '../reconcile/desired-flows';
import { networksReferredTo } from '../cnm/network-ref';
import { hostListing } from '../cnm/host-listing';
import { endpointsInTheWay, existingOrNew } from '../cnm/named-networks';
import { allowRule, removeRule, ruleStatuses, type DockerNetworkNames } from '../cnm/rule-status';
import { networkRules } from '../cnm/network-rules';
import type { NetworkRecord } from '../cnm/records';
import type { FlowStats } from '../../flows/ofp/types';
import { NETWORK_TAG } from '../../flows/pipeline/registers';
import type { SwitchClient } from '../openflow/switch-client';
import { flowText } from '../../flows/ofp/text';
import { tableName } from '../../flows/pipeline/tables';
import { conflict, invalid } from '../errors';
import type { HostLinks } from '../host/links';
import { managedAdd, managedRemove } from '../attach/managed';
import type { ControlMethods, Handlers, Untrusted } from './contract';
import { cniMethods } from '../cni/methods';
import { trace } from '../observe/trace/trace';
import { acrossHosts } from '../observe/trace/across-hosts';
import { endpointStats } from '../observe/endpoint-stats';

interface Context {
  service: NetworkService;
  registry: Registry;
  ipam: IpamService;
  flows: OpenFlowSync;
  switchClient: SwitchClient;
  links: HostLinks;
  info: Map<string, string>;
  ovsdbConnected: () => boolean;
  config: { bridge: string; ovsdb: string; datapath: string; ovsRundir: string };
  /** Docker's network names, for `policy allow --network NAME` (absent: no Docker to ask). */
  dockerNetworkNames?: DockerNetworkNames;
}

function str<P>(params: Untrusted<P>, key: keyof P & string): string {
  const value = params[key];
  if (typeof value !== 'string' || value === '') throw invalid(`parameter "${key}" must be a non-empty string`);
  return value;
}

/**
 * Whole requests the service validates itself, field by field with errors naming the field
 * (the checks Docker's requests go through too), passed on as they came.
 */
function checkedByService<P>(params: Untrusted<P>): P {
  return params as P;
}

export function controlMethods(ctx: Context): Handlers<ControlMethods> {
  return {
    status: async () => ({
      bridge: ctx.config.bridge,
      ovsdb: ctx.config.ovsdb,
      datapath: ctx.config.datapath,
      ovsdbConnected: ctx.ovsdbConnected(),
      openflow: ctx.switchClient.session ? 'connected' : 'disconnected',
      ...Object.fromEntries(ctx.info),
      networks: (await ctx.registry.networks.list()).length,
      endpoints: (await ctx.registry.endpoints.list()).length,
      pooledPorts: (await ctx.registry.poolSlots.list()).filter((s) => s.made).length,
      flows: ctx.flows.lastInstalled,
    }),
    'network.create': async (p) => {
      const spec = checkedByService(p);
      return existingOrNew(spec, await ctx.registry.networks.list()) ?? ctx.service.createNetwork(spec);
    },
    'network.delete': async (p) => {
      const network = await ctx.registry.networks.get(str(p, 'id'));
      if (!network) return;
      const inTheWay = endpointsInTheWay(network, await ctx.registry.endpoints.list(network.id));
      if (inTheWay !== undefined) throw conflict(inTheWay);
      await ctx.service.deleteNetwork(network.id);
    },
    'network.ls': async () => ctx.registry.networks.list(),
    'network.inspect': async (p) => {
      const network = await ctx.registry.networks.require(str(p, 'id'));
      return {
        network,
        endpoints: await ctx.registry.endpoints.list(network.id),
        rules: [...(await ctx.registry.allowRules.list(network.id)), ...networkRules([network])],
      };
    },
    'endpoint.ls': async () => ctx.registry.endpoints.list(),
    'ipam.ls': async () => ctx.ipam.list(),
    'pool.ls': async () => ctx.registry.poolSlots.list(),
    'endpoint.create': async (p) => ctx.service.createEndpoint(checkedByService(p)),
    'endpoint.join': async (p) => ctx.service.join(str(p, 'networkId'), str(p, 'endpointId'), str(p, 'sandboxKey')),
    'endpoint.leave': async (p) => ctx.service.leave(str(p, 'networkId'), str(p, 'endpointId')),
    'endpoint.delete': async (p) => ctx.service.deleteEndpoint(str(p, 'networkId'), str(p, 'endpointId')),
    'attach.add': async (p) => managedAdd(ctx, checkedByService(p)),
    'attach.remove': async (p) => managedRemove(ctx, checkedByService(p)),
    'host.ls': async () => hostListing(await ctx.registry.hosts.list(), await ctx.registry.endpoints.list()),
    'host.rm': async (p) => ctx.registry.hostRemoval.remove(str(p, 'id')),
    'policy.allow': async (p) => allowRule(ctx.registry, checkedByService(p), ctx.dockerNetworkNames),
    'policy.ls': async () => ruleStatuses(ctx.registry),
    ...cniMethods(ctx),
    'policy.rm': async (p) => removeRule(ctx.registry, str(p, 'id')),
    trace: async (p) => {
      const request = checkedByService(p);
      const report = await trace(
        {
          networks: () => ctx.registry.networks.list(),
          endpoints: () => ctx.registry.endpoints.list(),
          hosts: () => ctx.registry.hosts.list(),
          pipeline: () => ctx.flows.installedState(),
          rundir: ctx.config.ovsRundir,
          bridge: ctx.config.bridge,
        },
        request,
      );
      return acrossHosts(report, request, ctx.info.get('hostId') ?? 'this host');
    },
    'endpoint.stats': async (p) => {
      if (p.name !== undefined && (typeof p.name !== 'string' || p.name === ''))
        throw invalid('parameter "name" must be a container name or endpoint id');
      return endpointStats(
        {
          networks: () => ctx.registry.networks.list(),
          endpoints: () => ctx.registry.endpoints.listOnHost(),
          pipeline: () => ctx.flows.installedState(),
          portStats: async () => (await ctx.switchClient.ready(5000)).portStats(),
        },
        p.name,
      );
    },
    flows: async (p) => {
      const wanted = p.network;
      let tag: number | undefined;
      if (wanted !== undefined) {
        if (typeof wanted !== 'string' || wanted === '')
          throw invalid('parameter "network" must be a network name or id');
        const found = networksReferredTo(await ctx.registry.networks.list(), wanted);
        if (found.length !== 1)
          throw invalid(found.length === 0 ? `no network "${wanted}"` : `"${wanted}" matches ${found.length} networks`);
        tag = (found[0] as NetworkRecord).tag;
      }
      const session = await ctx.switchClient.ready(5000);
      const dumped = await session.dumpFlows();
      const reasons = ctx.flows.reasons();
      return dumped
        .filter((f) => tag === undefined || concernsNetwork(f, tag))
        .map((f) => {
          const reason = reasons.get(identity(f));
          return `${flowText(f, { tableNames: (n) => tableName(n) })}${reason !== undefined ? `  # ${reason}` : ''}`;
        });
    },
  };
}

/** A flow matches the network's tag in reg0, or classifies a port into it. */
function concernsNetwork(flow: FlowStats, tag: number): boolean {
  const low = (2 ** NETWORK_TAG.bits - 1) * 2 ** NETWORK_TAG.ofs;
  const matched = flow.match.some(
    (m) =>
      m.field === NETWORK_TAG.register &&
      (Number(m.mask ?? 0xffffffff) & low) === low &&
      (Number(m.value) & low) === tag * 2 ** NETWORK_TAG.ofs,
  );
  if (matched) return true;
  return flow.instructions.some(
    (ins) =>
      'actions' in ins &&
      ins.actions.some(
        (a) =>
          a.type === 'load' &&
          a.field === NETWORK_TAG.register &&
          (a.ofs ?? 0) === NETWORK_TAG.ofs &&
          Number(a.value) === tag,
      ),
  );
}
