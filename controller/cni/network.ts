// The ovsnet network a CNI configuration names. An existing network (made by Docker with
// `-o ovsnet.name=NAME`, by an earlier ADD, or found by id) is used as it is, provided the
// configuration does not contradict it; otherwise the first ADD creates it from the
// configuration, with its subnets reserved in ovsnet's IPAM unless an IPAM plugin hands out
// the addresses.
import type { Registry } from '../cnm/registry';
import type { NetworkRecord } from '../cnm/records';
import type { NetworkSpec, SubnetSpec } from '../cnm/types';
import { formatAddress, parseCidr } from '../cnm/addresses';
import { networksReferredTo } from '../cnm/network-ref';
import { invalid } from '../errors';
import type { IpamService } from '../ipam/service';
import type { NetworkService } from '../network-service';
import type { CniNetworkRequest } from './types';

export interface CniNetworkContext {
  registry: Registry;
  service: NetworkService;
  ipam: IpamService;
}

/** The address space CNI networks take their pools from (Docker's default local one). */
const ADDRESS_SPACE = 'LocalDefault';

/** Creations in flight by name: concurrent first ADDs of one network create it once. */
const creating = new Map<string, Promise<NetworkRecord>>();

export async function findCniNetwork(
  registry: Registry,
  request: CniNetworkRequest,
): Promise<NetworkRecord | undefined> {
  const found = networksReferredTo(await registry.networks.list(), request.name);
  if (found.length > 1)
    throw invalid(`"name": ${request.name} matches ${found.length} ovsnet networks; use one's full id or name`);
  const network = found[0];
  if (network) checkAgrees(network, request);
  return network;
}

/** The named network, created from the configuration when there is none yet. */
export async function ensureCniNetwork(ctx: CniNetworkContext, request: CniNetworkRequest): Promise<NetworkRecord> {
  const existing = await findCniNetwork(ctx.registry, request);
  if (existing) return existing;
  const pending = creating.get(request.name);
  if (pending) return pending;
  const made = createNetwork(ctx, request).finally(() => creating.delete(request.name));
  creating.set(request.name, made);
  return made;
}

async function createNetwork(ctx: CniNetworkContext, request: CniNetworkRequest): Promise<NetworkRecord> {
  if (request.subnets.length === 0 && request.delegatedIpam)
    throw invalid(
      `"ipam": network ${request.name} does not exist yet, and no "subnet" or "ipam.ranges" says its subnet`,
    );
  const reserved: string[] = [];
  try {
    const subnets: SubnetSpec[] = [];
    const wanted = request.subnets.length > 0 ? request.subnets : [{ subnet: '' }];
    for (const declared of wanted) {
      const grant = request.delegatedIpam
        ? undefined
        : await ctx.ipam.requestPool({
            addressSpace: ADDRESS_SPACE,
            v6: declared.subnet.includes(':'),
            ...(declared.subnet !== '' ? { pool: declared.subnet } : {}),
          });
      if (grant) reserved.push(grant.poolId);
      const pool = parseCidr(grant?.pool ?? declared.subnet, '"subnet"');
      const gateway = declared.gateway ?? formatAddress(pool.family, pool.first + 1n);
      if (grant) await ctx.ipam.requestAddress({ poolId: grant.poolId, address: gateway, kind: 'gateway' });
      subnets.push({ pool: `${pool.network}/${pool.prefix}`, gateway, ...(grant ? { poolId: grant.poolId } : {}) });
    }
    const spec: NetworkSpec = {
      id: `cni-${request.name}`,
      name: request.name,
      ipv4: subnets.filter((s) => !s.pool.includes(':')),
      ipv6: subnets.filter((s) => s.pool.includes(':')),
      icc: request.icc ?? true,
      internal: request.internal ?? false,
      ...(request.mtu !== undefined ? { mtu: request.mtu } : {}),
      ...(request.vni !== undefined ? { vni: request.vni } : {}),
      ...(request.tunnel !== undefined ? { tunnel: request.tunnel } : {}),
    };
    await ctx.service.createNetwork(spec);
    return await ctx.registry.networks.require(spec.id);
  } catch (error) {
    for (const poolId of reserved) await ctx.ipam.releasePool(poolId).catch(() => undefined);
    throw error;
  }
}

/** A configuration naming an existing network may leave settings out, never contradict them. */
function checkAgrees(network: NetworkRecord, request: CniNetworkRequest): void {
  const pools = [...network.ipv4, ...network.ipv6].map((s) => s.pool);
  for (const declared of request.subnets) {
    const cidr = parseCidr(declared.subnet, '"subnet"');
    const text = `${cidr.network}/${cidr.prefix}`;
    const subnet = [...network.ipv4, ...network.ipv6].find((s) => s.pool === text);
    if (!subnet)
      throw invalid(`"subnet": ${declared.subnet} is not a subnet of network ${request.name} (${pools.join(', ')})`);
    if (declared.gateway !== undefined && subnet.gateway !== declared.gateway)
      throw invalid(
        `"gateway": ${declared.gateway} differs from network ${request.name}'s gateway ${subnet.gateway ?? '(none)'}`,
      );
  }
  const differs = (key: string, wanted: unknown, actual: unknown): void => {
    if (wanted !== undefined && wanted !== actual)
      throw invalid(
        `"${key}": ${JSON.stringify(wanted)} differs from network ${request.name}'s ${JSON.stringify(actual ?? null)}`,
      );
  };
  differs('icc', request.icc, network.icc);
  differs('internal', request.internal, network.internal);
  differs('mtu', request.mtu, network.mtu);
  differs('vni', request.vni, network.vni);
  differs('tunnel', request.tunnel, network.tunnel);
}
