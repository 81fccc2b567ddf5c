// NetworkDriver.* methods mapped onto the controller's NetworkApi. Handlers validate,
// make one controller call and shape the answer; they never call the Docker API (Docker may
// be waiting on us, and during its start-up it would deadlock).
import type { EndpointInfo, Logger, NetworkApi } from '../../controller/api';
import { stripPrefixIfAny } from './addresses';
import { isAlreadyGone } from './errors';
import { isObject } from './fields';
import { parseNetworkOptions } from './options';
import type {
  AllocateNetworkResponse,
  CreateEndpointResponse,
  EndpointOperInfoResponse,
  JoinResponse,
  NetworkCapabilitiesResponse,
} from './protocol';
import { endpointRefOf, networkIdOf, toCreateNetwork, toEndpointSpec, toJoin, toPublish } from './requests';
import { idempotently, type Route } from './routes';

/**
 * Scope "local": Docker keeps each host's networks itself (the cluster store is gone).
 * ConnectivityScope "global": containers reach containers on other hosts through ovsnet's
 * own control plane, and Docker forwards node discovery events to us.
 */
export const NETWORK_CAPABILITIES: NetworkCapabilitiesResponse = { Scope: 'local', ConnectivityScope: 'global' };

/** libnetwork renames SrcName to DstPrefix + index inside the container: eth0, eth1, ... */
const CONTAINER_IFNAME_PREFIX = 'eth';

export function networkDriverRoutes(network: NetworkApi, logger: Logger): Array<[string, Route]> {
  const route = (handle: Route['handle']): Route => ({ errorField: 'Err', handle });
  return [
    ['NetworkDriver.GetCapabilities', route(() => NETWORK_CAPABILITIES)],

    [
      'NetworkDriver.CreateNetwork',
      route(async (body) => {
        const { spec, ignoredOptions } = toCreateNetwork(body);
        if (ignoredOptions.length > 0)
          logger.info({ networkId: spec.id, ignoredOptions }, 'network options not used by ovsnet');
        await network.createNetwork(spec);
        return {};
      }),
    ],

    // Only a Swarm manager calls these, and only for Scope "global" drivers; answered so a
    // future scope change cannot break, with options validated early.
    [
      'NetworkDriver.AllocateNetwork',
      route((body) => {
        networkIdOf(body);
        parseNetworkOptions(isObject(body['Options']) ? { 'com.docker.network.generic': body['Options'] } : undefined);
        const answer: AllocateNetworkResponse = { Options: {} };
        return answer;
      }),
    ],
    [
      'NetworkDriver.FreeNetwork',
      route((body) => {
        networkIdOf(body);
        return {};
      }),
    ],

    [
      'NetworkDriver.DeleteNetwork',
      route(async (body) => {
        const networkId = networkIdOf(body);
        return idempotently(logger, `network ${networkId}`, () => network.deleteNetwork(networkId));
      }),
    ],

    [
      'NetworkDriver.CreateEndpoint',
      route(async (body) => {
        const spec = toEndpointSpec(body);
        const info = await network.createEndpoint({ ...spec, fromDocker: true });
        // Docker refuses to overwrite an Interface field it set itself (and then rolls the
        // endpoint back), so answer only what it left empty.
        const filled: CreateEndpointResponse['Interface'] = {};
        if (spec.mac === undefined && info.mac) filled.MacAddress = info.mac;
        if (spec.ipv4 === undefined && info.ipv4) filled.Address = info.ipv4;
        if (spec.ipv6 === undefined && info.ipv6) filled.AddressIPv6 = info.ipv6;
        const answer: CreateEndpointResponse = Object.keys(filled).length > 0 ? { Interface: filled } : {};
        return answer;
      }),
    ],

    [
      'NetworkDriver.EndpointOperInfo',
      route(async (body) => {
        const ref = endpointRefOf(body);
        try {
          const answer: EndpointOperInfoResponse = {
            Value: describeEndpoint(await network.endpointInfo(ref.networkId, ref.endpointId)),
          };
          return answer;
        } catch (error) {
          // Docker asks after every connect/disconnect and at start-up; an endpoint that is
          // gone has nothing to report, and failing here would fail the container operation.
          if (!isAlreadyGone(error)) throw error;
          return { Value: {} };
        }
      }),
    ],

    [
      'NetworkDriver.DeleteEndpoint',
      route(async (body) => {
        const ref = endpointRefOf(body);
        return idempotently(logger, `endpoint ${ref.endpointId}`, () =>
          network.deleteEndpoint(ref.networkId, ref.endpointId),
        );
      }),
    ],

    [
      'NetworkDriver.Join',
      route(async (body) => {
        const join = toJoin(body);
        const result = await network.join(join.networkId, join.endpointId, join.sandboxKey);
        const answer: JoinResponse = {
          InterfaceName: { SrcName: result.containerIfname, DstPrefix: CONTAINER_IFNAME_PREFIX },
        };
        if (result.gatewayIpv4) answer.Gateway = stripPrefixIfAny(result.gatewayIpv4);
        if (result.gatewayIpv6) answer.GatewayIPv6 = stripPrefixIfAny(result.gatewayIpv6);
        return answer;
      }),
    ],

    [
      'NetworkDriver.Leave',
      route(async (body) => {
        const ref = endpointRefOf(body);
        return idempotently(logger, `join of ${ref.endpointId}`, () => network.leave(ref.networkId, ref.endpointId));
      }),
    ],

    [
      'NetworkDriver.ProgramExternalConnectivity',
      route(async (body) => {
        const publish = toPublish(body);
        await network.publishPorts(publish.networkId, publish.endpointId, publish.ports);
        return {};
      }),
    ],

    [
      'NetworkDriver.RevokeExternalConnectivity',
      route(async (body) => {
        const ref = endpointRefOf(body);
        return idempotently(logger, `published ports of ${ref.endpointId}`, () =>
          network.unpublishPorts(ref.networkId, ref.endpointId),
        );
      }),
    ],

    // Swarm node membership; hosts find each other through ovsnet's own store instead.
    [
      'NetworkDriver.DiscoverNew',
      route((body) => {
        logger.debug({ discovery: body }, 'node discovery event ignored');
        return {};
      }),
    ],
    [
      'NetworkDriver.DiscoverDelete',
      route((body) => {
        logger.debug({ discovery: body }, 'node discovery event ignored');
        return {};
      }),
    ],
  ];
}

/**
 * Diagnostic strings only. Docker type-asserts com.docker.network.portmap and
 * exposedports in this map, so those keys are never used here.
 */
function describeEndpoint(info: EndpointInfo): Record<string, string> {
  const value: Record<string, string> = {
    'ovsnet.mac': info.mac,
    'ovsnet.host_ifname': info.hostIfname,
    'ovsnet.container_ifname': info.containerIfname,
  };
  if (info.ipv4) value['ovsnet.ipv4'] = info.ipv4;
  if (info.ipv6) value['ovsnet.ipv6'] = info.ipv6;
  if (info.ofport !== undefined) value['ovsnet.ofport'] = String(info.ofport);
  if (info.sandboxKey) value['ovsnet.sandbox'] = info.sandboxKey;
  // The chosen host ports, for diagnostics: Docker reads its own portmap key only as a Go
  // value that in-process drivers alone can produce, so `docker port` cannot show them.
  if (info.ports && info.ports.length > 0) {
    value['ovsnet.ports'] = info.ports
      .map((p) => `${p.hostIp ?? '0.0.0.0'}:${p.hostPort}->${p.containerPort}/${p.proto}`)
      .join(',');
  }
  return value;
}
