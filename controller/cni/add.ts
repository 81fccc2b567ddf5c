// CNI ADD on the daemon: the container's interface becomes an endpoint of the named ovsnet
// network (same anti-spoofing, isolation, ICC and allow rules as a Docker container's),
// joined like Docker's, with its veth end moved into the runtime's namespace. A failure
// part-way removes what this ADD made; a repeated ADD returns the same endpoint.
import type { EndpointRecord, NetworkRecord } from '../cnm/records';
import { invalid } from '../errors';
import type { CniContext } from './context';
import { allocateAddresses, cniEndpointId, endpointView, gatewayRoutes, releaseAddresses } from './endpoint';
import { ensureCniNetwork } from './network';
import { plugIntoSandbox } from './sandbox';
import type { CniAddRequest, CniEndpointView, CniRoute } from './types';

export async function cniAdd(ctx: CniContext, request: CniAddRequest): Promise<CniEndpointView> {
  const network = await ensureCniNetwork(ctx, request.network);
  const endpointId = cniEndpointId(request.containerId, request.ifname);
  let existing = await ctx.registry.endpoints.get(network.id, endpointId);
  if (existing?.sandboxKey !== undefined && existing.sandboxKey !== request.netns) {
    // Left from an earlier namespace of the same container (no DEL came): replaced.
    await deleteEndpoint(ctx, network, existing, request.network.delegatedIpam);
    existing = undefined;
  }
  // An earlier ADD that stored it and never answered (the daemon died): it goes with its
  // addresses, as the next sweep would remove it, and this ADD starts clean.
  if (existing && (await ctx.service.abandonUnfinished(existing))) {
    if (!request.network.delegatedIpam) await releaseAddresses(ctx.ipam, network, existing);
    existing = undefined;
  }
  const addresses = existing
    ? { ...(existing.ipv4 ? { ipv4: existing.ipv4 } : {}), ...(existing.ipv6 ? { ipv6: existing.ipv6 } : {}) }
    : request.network.delegatedIpam
      ? delegatedAddresses(request)
      : await allocateAddresses(ctx.ipam, network, endpointId, request.requestedIps);
  try {
    const routes = routesFor(network, request.routes);
    // Made and stored joined at once, then plugged into the namespace while the switch takes
    // the port (see NetworkService.createJoined).
    await ctx.service.createJoined(
      {
        networkId: network.id,
        endpointId,
        ...addresses,
        ...(request.mac !== undefined ? { mac: request.mac } : {}),
        containerName: request.containerName ?? request.containerId,
      },
      request.netns,
      (joined, containerEnd, endpoint) =>
        plugIntoSandbox(
          ctx.links,
          joined.containerIfname,
          request.netns,
          {
            ifname: request.ifname,
            mac: endpoint.mac,
            ...(joined.mtu !== undefined ? { mtu: joined.mtu } : {}),
            addresses: [endpoint.ipv4, endpoint.ipv6].filter((a): a is string => a !== undefined),
            routes,
          },
          containerEnd,
        ),
    );
    const record = await ctx.registry.endpoints.require(network.id, endpointId);
    return endpointView(network, record, routes);
  } catch (error) {
    if (!existing && !request.network.delegatedIpam)
      await releaseAddresses(ctx.ipam, network, addresses).catch(() => undefined);
    throw error;
  }
}

/** Removes the endpoint and gives its ovsnet IPAM addresses back. */
export async function deleteEndpoint(
  ctx: CniContext,
  network: NetworkRecord,
  endpoint: EndpointRecord,
  delegatedIpam: boolean,
): Promise<void> {
  await ctx.service.deleteEndpoint(network.id, endpoint.endpointId);
  if (!delegatedIpam) await releaseAddresses(ctx.ipam, network, endpoint);
}

function delegatedAddresses(request: CniAddRequest): { ipv4?: string; ipv6?: string } {
  const ips = request.ips ?? [];
  if (ips.length === 0) throw invalid('"ipam": the IPAM plugin returned no address');
  const v4 = ips.filter((ip) => !ip.address.includes(':'));
  const v6 = ips.filter((ip) => ip.address.includes(':'));
  if (v4.length > 1 || v6.length > 1)
    throw invalid('"ipam": ovsnet gives an interface one address per family; the IPAM plugin returned more');
  return { ...(v4[0] ? { ipv4: v4[0].address } : {}), ...(v6[0] ? { ipv6: v6[0].address } : {}) };
}

/** The IPAM plugin's routes (through the network's gateway when they name none), then default routes. */
function routesFor(network: NetworkRecord, declared: CniRoute[] | undefined): CniRoute[] {
  const gateways = gatewayRoutes(network);
  const routes: CniRoute[] = (declared ?? []).map((r) => {
    const gw = r.gw ?? gateways.find((g) => g.dst.includes(':') === r.dst.includes(':'))?.gw;
    return { dst: r.dst, ...(gw !== undefined ? { gw } : {}) };
  });
  for (const g of gateways) if (!routes.some((r) => r.dst === g.dst)) routes.push(g);
  return routes;
}
