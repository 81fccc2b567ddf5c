// A CNI attachment's endpoint: its id (stable per container and interface, so a repeated
// ADD, CHECK and DEL find it), its addresses from ovsnet's IPAM, and how the container
// sees it.
import { createHash } from 'node:crypto';
import type { EndpointRecord, NetworkRecord } from '../cnm/records';
import type { SubnetSpec } from '../cnm/types';
import { contains, parseAddress, parseCidr } from '../cnm/addresses';
import { invalid } from '../errors';
import type { IpamService } from '../ipam/service';
import type { CniEndpointView, CniIp, CniRoute } from './types';

export function cniEndpointId(containerId: string, ifname: string): string {
  return createHash('sha256').update(`cni\0${containerId}\0${ifname}`).digest('hex');
}

function subnetHolding(network: NetworkRecord, cidr: string): SubnetSpec | undefined {
  const address = parseAddress(cidr.split('/')[0] as string);
  return [...network.ipv4, ...network.ipv6].find((s) => contains(parseCidr(s.pool), address.value));
}

/**
 * The IPAM pool a subnet's addresses come from: recorded with the subnet (networks made by
 * a CNI ADD), else the pool ovsnet's IPAM granted for that subnet (Docker asks for the pool
 * before it creates the network, so its networks do not record the pool's id).
 */
async function poolIdOf(ipam: IpamService, subnet: SubnetSpec): Promise<string | undefined> {
  if (subnet.poolId !== undefined) return subnet.poolId;
  const pools = (await ipam.list()).filter((p) => p.pool === subnet.pool);
  const wanted = subnet.ipRange !== undefined ? pools.find((p) => p.poolId.endsWith(`/${subnet.ipRange}`)) : undefined;
  return (wanted ?? pools.find((p) => p.poolId.endsWith(`/${subnet.pool}`)))?.poolId;
}

/** One address per family the network has an IPAM pool for; `requested` picks particular ones. */
export async function allocateAddresses(
  ipam: IpamService,
  network: NetworkRecord,
  endpointId: string,
  requested: readonly string[] = [],
): Promise<{ ipv4?: string; ipv6?: string }> {
  const pooled: Array<{ poolId: string; v6: boolean }> = [];
  for (const subnet of [network.ipv4[0], network.ipv6[0]]) {
    const poolId = subnet ? await poolIdOf(ipam, subnet) : undefined;
    if (subnet && poolId !== undefined) pooled.push({ poolId, v6: subnet.pool.includes(':') });
  }
  if (pooled.length === 0)
    throw invalid(
      `"ipam": network ${network.name ?? network.id} has no ovsnet IPAM pool (its addresses come from elsewhere); ` +
        'configure an IPAM plugin such as host-local',
    );
  for (const wanted of requested) {
    if (!subnetHolding(network, wanted))
      throw invalid(`requested address ${wanted} is outside network ${network.name ?? network.id}'s subnets`);
  }
  const out: { ipv4?: string; ipv6?: string } = {};
  try {
    for (const { poolId, v6 } of pooled) {
      const wanted = requested.find((r) => r.includes(':') === v6);
      out[v6 ? 'ipv6' : 'ipv4'] = await ipam.requestAddress({
        poolId,
        owner: endpointId,
        kind: 'endpoint',
        reuseOwned: true,
        ...(wanted !== undefined ? { address: wanted.split('/')[0] } : {}),
      });
    }
  } catch (error) {
    await releaseAddresses(ipam, network, out);
    throw error;
  }
  return out;
}

/** Gives back whatever the endpoint id holds in the network's IPAM pools (its endpoint is gone). */
export async function releaseOwnedAddresses(
  ipam: IpamService,
  network: NetworkRecord,
  endpointId: string,
): Promise<void> {
  for (const subnet of [...network.ipv4, ...network.ipv6]) {
    const poolId = await poolIdOf(ipam, subnet);
    if (poolId !== undefined) await ipam.releaseOwnedBy(poolId, endpointId);
  }
}

/** Gives addresses back to the IPAM pools of the network's subnets (none: nothing to do). */
export async function releaseAddresses(
  ipam: IpamService,
  network: NetworkRecord,
  addresses: { ipv4?: string; ipv6?: string },
): Promise<void> {
  for (const cidr of [addresses.ipv4, addresses.ipv6]) {
    if (cidr === undefined) continue;
    const subnet = subnetHolding(network, cidr);
    const poolId = subnet ? await poolIdOf(ipam, subnet) : undefined;
    if (poolId !== undefined) await ipam.releaseAddress(poolId, cidr);
  }
}

/** Default routes through the network's gateways, unless the network is internal. */
export function gatewayRoutes(network: NetworkRecord): CniRoute[] {
  if (network.internal) return [];
  const routes: CniRoute[] = [];
  const v4 = network.ipv4.find((s) => s.gateway !== undefined)?.gateway;
  const v6 = network.ipv6.find((s) => s.gateway !== undefined)?.gateway;
  if (v4 !== undefined) routes.push({ dst: '0.0.0.0/0', gw: v4 });
  if (v6 !== undefined) routes.push({ dst: '::/0', gw: v6 });
  return routes;
}

export function endpointView(network: NetworkRecord, endpoint: EndpointRecord, routes: CniRoute[]): CniEndpointView {
  const ips: CniIp[] = [];
  for (const cidr of [endpoint.ipv4, endpoint.ipv6]) {
    if (cidr === undefined) continue;
    const gateway = subnetHolding(network, cidr)?.gateway;
    ips.push({ address: cidr, ...(gateway !== undefined ? { gateway } : {}) });
  }
  return {
    networkId: network.id,
    endpointId: endpoint.endpointId,
    hostIfname: endpoint.hostIfname,
    mac: endpoint.mac,
    ...(network.mtu !== undefined ? { mtu: network.mtu } : {}),
    ips,
    routes,
  };
}
