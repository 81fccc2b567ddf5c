// `ovsnet attach` on the daemon's own bridge: the port becomes an endpoint of an ovsnet
// network, so it gets the same anti-spoofing, isolation and policy flows as a Docker
// container's, and the registry (not OVSDB labels) is what remembers it.
import { createHash } from 'node:crypto';
import type { Registry } from '../cnm/registry';
import type { NetworkRecord } from '../cnm/records';
import type { HostLinks } from '../host/links';
import type { NetworkService } from '../network-service';
import { parseAddress, parseCidr, contains } from '../cnm/addresses';
import { networksReferredTo } from '../cnm/network-ref';
import { ControllerError, invalid, notFound } from '../errors';
import { validateAddPort, type AddPortRequest } from './request';
import { matchesTarget, type AttachTarget } from './target';

export interface ManagedAttachContext {
  registry: Registry;
  service: NetworkService;
  links: HostLinks;
}

export interface ManagedAddRequest extends AddPortRequest {
  target: AttachTarget & { nsPath: string };
}

/** Stable per container and interface, so a retried add finds its own endpoint. */
export function attachEndpointId(containerId: string, ifname: string): string {
  return createHash('sha256').update(`${containerId}\0${ifname}`).digest('hex');
}

async function chooseNetwork(registry: Registry, request: AddPortRequest): Promise<NetworkRecord> {
  const networks = await registry.networks.list();
  if (request.network !== undefined) {
    const wanted = request.network;
    const found = networksReferredTo(networks, wanted);
    if (found.length === 1) return found[0] as NetworkRecord;
    if (found.length > 1) throw invalid(`--network ${wanted} matches ${found.length} networks; give more of the id`);
    throw notFound(`no ovsnet network is called ${wanted}`);
  }
  const address = parseAddress((request.address as string).split('/')[0] as string);
  const found = networks.filter((n) => [...n.ipv4, ...n.ipv6].some((s) => contains(parseCidr(s.pool), address.value)));
  if (found.length === 1) return found[0] as NetworkRecord;
  if (found.length > 1)
    throw invalid(`${address.address} lies in ${found.length} ovsnet networks; choose one with --network`);
  throw notFound(`no ovsnet network has a subnet holding ${address.address}; create one or choose it with --network`);
}

export async function managedAdd(
  ctx: ManagedAttachContext,
  input: ManagedAddRequest,
): Promise<{ port: string; networkId: string; endpointId: string }> {
  const request = validateAddPort(input);
  const target = input.target;
  if (typeof target?.nsPath !== 'string' || !target.nsPath.startsWith('/'))
    throw invalid('target.nsPath must be an absolute path');
  // Its flows only let a port send from its own address: without --ipaddress the network
  // named by --network picks one (one per family it has subnets in).
  if (request.address === undefined && request.network === undefined)
    throw invalid(`ports on ovsnet's bridge need --ipaddress or --network (which then picks an address)`);
  if (request.vlan !== undefined) throw invalid(`--vlan does not apply on ovsnet's bridge: networks isolate its ports`);
  for (const endpoint of await ctx.registry.endpoints.listOnHost()) {
    // One that never joined is an earlier attempt of this very request whose answer was lost
    // (say, a write etcd applied only after the caller gave up): this attempt takes it over.
    if (
      endpoint.attachment &&
      endpoint.plugged === true &&
      endpoint.attachment.containerIface === request.ifname &&
      matchesTarget(target, endpoint.attachment.containerId)
    ) {
      // An earlier attempt that stored it and never answered (the daemon died): it goes now,
      // as the next sweep would remove it, and this attempt starts clean.
      if (await ctx.service.abandonUnfinished(endpoint)) continue;
      throw new ControllerError(
        'ALREADY_EXISTS',
        `container ${request.container} already has ${request.ifname} attached (port ${endpoint.hostIfname})`,
      );
    }
  }
  const network = await chooseNetwork(ctx.registry, request);
  const family = request.address?.includes(':') === true ? 'ipv6' : 'ipv4';
  const endpointId = attachEndpointId(request.container, request.ifname);
  // Made and stored joined at once; moved and configured while the switch takes the port,
  // and the answer comes when both are done. A failure leaves nothing of this request.
  const { endpoint } = await ctx.service.createJoined(
    {
      networkId: network.id,
      endpointId,
      ...(request.address !== undefined ? { [family]: request.address } : {}),
      ...(request.mac !== undefined ? { mac: request.mac } : {}),
      containerName: request.container,
      attachment: { containerId: request.container, containerIface: request.ifname },
    },
    target.nsPath,
    (joined, containerEnd, endpoint) => {
      // The address asked for, or every one the network picked.
      const has = (f: 'ipv4' | 'ipv6'): boolean =>
        endpoint[f] !== undefined && (request.address === undefined || family === f);
      return ctx.links.moveIntoSandbox(
        joined.containerIfname,
        target.nsPath,
        {
          ifname: request.ifname,
          mac: endpoint.mac,
          addresses: (['ipv4', 'ipv6'] as const).filter(has).map((f) => endpoint[f] as string),
          ...(request.gateway !== undefined
            ? { [family === 'ipv4' ? 'gatewayIpv4' : 'gatewayIpv6']: request.gateway }
            : {}),
          ...(request.gateway === undefined && joined.gatewayIpv4 !== undefined && has('ipv4')
            ? { gatewayIpv4: joined.gatewayIpv4 }
            : {}),
          ...(request.gateway === undefined && joined.gatewayIpv6 !== undefined && has('ipv6')
            ? { gatewayIpv6: joined.gatewayIpv6 }
            : {}),
        },
        { alreadyThere: containerEnd.inSandbox },
      );
    },
  );
  return { port: endpoint.hostIfname, networkId: network.id, endpointId };
}

export async function managedRemove(
  ctx: ManagedAttachContext,
  params: { target: AttachTarget; ifname?: string },
): Promise<{ removed: string[] }> {
  const target = params.target;
  if (!target || !Array.isArray(target.aliases)) throw invalid('target.aliases must be a list');
  const removed: string[] = [];
  for (const endpoint of await ctx.registry.endpoints.listOnHost()) {
    if (!endpoint.attachment || !matchesTarget(target, endpoint.attachment.containerId)) continue;
    if (params.ifname !== undefined && endpoint.attachment.containerIface !== params.ifname) continue;
    await ctx.service.deleteEndpoint(endpoint.networkId, endpoint.endpointId);
    removed.push(endpoint.hostIfname);
  }
  if (removed.length === 0 && params.ifname !== undefined) {
    throw notFound(`no port is attached for CONTAINER=${target.given} and INTERFACE=${params.ifname}`);
  }
  return { removed };
}
