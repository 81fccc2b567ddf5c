// Addresses for an endpoint whose request names none (`ovsnet attach --network` without
// --ipaddress, `endpoint.create` on the control socket): one per family the network has
// subnets in, picked from what its `addr/<net>/` keys and the `ipam/addr/<pool>/` keys of
// ovsnet's IPAM pools of that subnet leave free, and reserved in those pools too (so
// Docker's RequestAddress never hands it out again). Nothing here writes: the caller's
// transaction claims the picks with "still absent" compares, so hosts allocating from one
// small subnet at once never hand out an address twice; the loser of a race picks again
// (cas.ts). A subnet's network, broadcast, gateway and aux addresses are never picked.
import { ControllerError } from '../errors';
import type { KvStore, KvTxn } from '../store/kv';
import { formatAddress, parseAddress, parseCidr, type ParsedCidr } from './addresses';
import { keys, type NetworkRecord } from './records';
import type { SubnetSpec } from './types';

/** The picks, with the IPAM reservations that keep Docker's IPAM from handing them out too. */
export interface PickedAddresses {
  ipv4?: string;
  ipv6?: string;
  /** `ipam/addr/<pool>/<address>` keys to claim (absent now), freed with the endpoint. */
  poolClaims: string[];
}

/** After a lost race everyone would pick the same lowest address again: spread over this many. */
const SPREAD_AFTER_RACE = 32;
/** Bound on the addresses looked at per subnet (an IPv6 /64 is never walked whole). */
const MAX_PROBES = 1_000_000;

export async function pickAddresses(store: KvStore, network: NetworkRecord, retry: number): Promise<PickedAddresses> {
  const picked: PickedAddresses = { poolClaims: [] };
  const used = new Set(
    (await store.list(keys.address(network.id, ''))).map((e) => e.key.slice(keys.address(network.id, '').length)),
  );
  const pools = (await store.list(keys.ipamPools())).map((e) => e.value as { id: string; pool: string });
  for (const family of [4, 6] as const) {
    const subnets = family === 4 ? network.ipv4 : network.ipv6;
    if (subnets.length === 0) continue;
    let found: { cidr: string; claims: string[] } | undefined;
    for (const subnet of subnets) {
      // Every IPAM pool of this subnet: its own, and those other hosts' dockerd asked for
      // when they made their Docker network of this cluster network.
      const poolIds = poolsOf(subnet, pools);
      const held = await poolsHeld(store, poolIds);
      const free = freeIn(subnet, (a) => used.has(a) || held.has(a), retry === 0 ? 1 : SPREAD_AFTER_RACE);
      const address = free[Math.floor(Math.random() * free.length)];
      if (address === undefined) continue;
      found = {
        cidr: `${address}/${parseCidr(subnet.pool).prefix}`,
        claims: poolIds.map((id) => keys.ipamAddress(id, address)),
      };
      break;
    }
    if (!found)
      throw new ControllerError(
        'EXHAUSTED',
        `network "${network.key}" has no free address left (${subnets.map((s) => s.ipRange ?? s.pool).join(', ')})`,
      );
    if (family === 4) picked.ipv4 = found.cidr;
    else picked.ipv6 = found.cidr;
    picked.poolClaims.push(...found.claims);
  }
  return picked;
}

function poolsOf(subnet: SubnetSpec, pools: ReadonlyArray<{ id: string; pool: string }>): string[] {
  const ids = new Set(pools.filter((p) => p.pool === subnet.pool).map((p) => p.id));
  if (subnet.poolId !== undefined) ids.add(subnet.poolId);
  return [...ids].sort();
}

async function poolsHeld(store: KvStore, poolIds: readonly string[]): Promise<Set<string>> {
  const held = new Set<string>();
  for (const poolId of poolIds) {
    const prefix = keys.ipamAddresses(poolId);
    for (const e of await store.list(prefix)) held.add(e.key.slice(prefix.length));
  }
  return held;
}

/** The transaction parts that claim the picks' IPAM reservations for `endpointId`. */
export function poolClaimOps(
  picked: PickedAddresses,
  endpointId: string,
  now: number,
): Required<Pick<KvTxn, 'compares' | 'puts'>> {
  return {
    compares: picked.poolClaims.map((key) => ({ key, revision: 0 })),
    puts: picked.poolClaims.map((key) => ({ key, value: { owner: endpointId, at: now } })),
  };
}

/** Up to `want` free addresses of the subnet (its --ip-range if it has one), lowest first. */
export function freeIn(subnet: SubnetSpec, taken: (address: string) => boolean, want: number): string[] {
  const pool = parseCidr(subnet.pool);
  const range: ParsedCidr = subnet.ipRange !== undefined ? parseCidr(subnet.ipRange) : pool;
  const reserved = new Set<bigint>();
  if (subnet.gateway !== undefined) reserved.add(parseAddress(subnet.gateway).value);
  for (const aux of Object.values(subnet.auxAddresses ?? {})) reserved.add(parseAddress(aux).value);
  // IPv4 skips the subnet's network and broadcast addresses, IPv6 its subnet-router anycast.
  if (pool.family === 4 && pool.prefix < 31) reserved.add(pool.first).add(pool.last);
  if (pool.family === 6) reserved.add(pool.first);
  const found: string[] = [];
  for (let v = range.first, n = 0; v <= range.last && n < MAX_PROBES && found.length < want; v++, n++) {
    if (reserved.has(v)) continue;
    const text = formatAddress(pool.family, v);
    if (!taken(text)) found.push(text);
  }
  return found;
}
