// ovsnet's IPAM (Docker's remote IPAM API) on the state store: pools with reference counts,
// addresses reserved with compare-and-swap so concurrent requests never get the same one,
// every call idempotent. Dynamic pools come from 10.128.0.0/9 (/24 each) and fd0e::/16
// (/64 each), never overlapping a pool already handed out.
import { ControllerError, invalid, notFound } from '../errors';
import type { KvStore } from '../store/kv';
import { CasCommitter } from '../cnm/cas';
import { keys, type NetworkRecord } from '../cnm/records';
import { describeNetwork } from '../cnm/network-match';
import { contains, formatAddress, overlaps, parseAddress, parseCidr, type ParsedCidr } from '../cnm/addresses';
import type { AddressRequest, IpamApi, PoolGrant, PoolRequest } from '../cnm/types';
import { systemClock, type Clock } from '../clock';
import { GATEWAY_OWNER, releaseShared, shareGateway } from './shared-gateway';

/** `at`: when it was handed out (ms), so an address nobody ever used can be reclaimed. */
interface AddressRecord {
  owner: string;
  at?: number;
}

/** The owner of addresses Docker requests without saying for whom (its RequestAddress). */
const ANONYMOUS = 'endpoint';

interface PoolRecord {
  id: string;
  pool: string;
  subPool?: string;
  refs: number;
}

const DYNAMIC = { 4: { space: '10.128.0.0/9', prefix: 24 }, 6: { space: 'fd0e::/16', prefix: 64 } } as const;

/** A pool with the addresses held in it, as `ovsnet ipam ls` shows them. */
export interface PoolListing {
  poolId: string;
  pool: string;
  refs: number;
  addresses: Array<{ address: string; owner: string }>;
}

export class IpamService implements IpamApi {
  private readonly cas: CasCommitter;

  constructor(
    private readonly store: KvStore,
    private readonly clock: Clock = systemClock,
    /** In a cluster every host holds the gateway address of a network it has (shared-gateway.ts). */
    private readonly options: { shareGateways?: boolean } = {},
  ) {
    this.cas = new CasCommitter(store);
  }

  defaultAddressSpaces(): { local: string; global: string } {
    return { local: 'LocalDefault', global: 'GlobalDefault' };
  }

  private async pools(): Promise<PoolRecord[]> {
    return (await this.store.list(keys.ipamPools())).map((e) => e.value as PoolRecord);
  }

  async requestPool(request: PoolRequest): Promise<PoolGrant> {
    return this.cas.commit(async () => {
      const pool = request.pool ? parseCidr(request.pool, 'pool') : await this.dynamicPool(request.v6 ? 6 : 4);
      if (request.pool && (pool.family === 6) !== request.v6)
        throw invalid(`pool ${request.pool} is not an IPv${request.v6 ? 6 : 4} pool`);
      const cidr = `${pool.network}/${pool.prefix}`;
      let subPool: string | undefined;
      if (request.subPool) {
        const sub = parseCidr(request.subPool, 'sub-pool');
        if (sub.family !== pool.family || sub.first < pool.first || sub.last > pool.last)
          throw invalid(`sub-pool ${request.subPool} is outside pool ${cidr}`);
        subPool = `${sub.network}/${sub.prefix}`;
      }
      const id = `${request.addressSpace || 'LocalDefault'}/${cidr}${subPool ? `/${subPool}` : ''}`;
      const grant: PoolGrant = { poolId: id, pool: cidr };
      const existing = await this.store.get(keys.ipamPool(id));
      if (existing) {
        const record = existing.value as PoolRecord;
        return {
          txn: {
            compares: [{ key: existing.key, revision: existing.revision }],
            puts: [{ key: existing.key, value: { ...record, refs: record.refs + 1 } }],
          },
          result: grant,
        };
      }
      const clash = (await this.pools()).find((p) => p.pool !== cidr && overlaps(parseCidr(p.pool), pool));
      if (clash)
        throw new ControllerError(
          'ALREADY_EXISTS',
          `pool ${cidr} overlaps pool ${clash.pool} already in use${await this.usedBy(clash.pool)}`,
        );
      const record: PoolRecord = { id, pool: cidr, refs: 1, ...(subPool ? { subPool } : {}) };
      return {
        txn: { compares: [{ key: keys.ipamPool(id), revision: 0 }], puts: [{ key: keys.ipamPool(id), value: record }] },
        result: grant,
      };
    });
  }

  /** ` by <network>` for the network whose subnet `pool` is, so a refusal names it. */
  private async usedBy(pool: string): Promise<string> {
    const networks = (await this.store.list(keys.networks())).map((e) => e.value as NetworkRecord);
    const user = networks.find((n) => [...n.ipv4, ...n.ipv6].some((s) => s.pool === pool));
    return user ? ` by ${describeNetwork(user)}` : '';
  }

  private async dynamicPool(family: 4 | 6): Promise<ParsedCidr> {
    const space = parseCidr(DYNAMIC[family].space);
    const prefix = DYNAMIC[family].prefix;
    const size = 1n << BigInt((family === 4 ? 32 : 128) - prefix);
    const taken = (await this.pools()).map((p) => parseCidr(p.pool)).filter((p) => p.family === family);
    for (
      let start = space.first;
      start + size - 1n <= space.last && start - space.first < size * 65536n;
      start += size
    ) {
      const candidate = parseCidr(`${formatAddress(family, start)}/${prefix}`);
      if (!taken.some((t) => overlaps(t, candidate))) return candidate;
    }
    throw new ControllerError('EXHAUSTED', `no free /${prefix} left in ${DYNAMIC[family].space}`);
  }

  async releasePool(poolId: string): Promise<void> {
    await this.cas.commit(async () => {
      const existing = await this.store.get(keys.ipamPool(poolId));
      if (!existing) return { done: undefined };
      const record = existing.value as PoolRecord;
      const compares = [{ key: existing.key, revision: existing.revision }];
      if (record.refs > 1)
        return {
          txn: { compares, puts: [{ key: existing.key, value: { ...record, refs: record.refs - 1 } }] },
          result: undefined,
        };
      const addresses = (await this.store.list(keys.ipamAddresses(poolId))).map((e) => e.key);
      return { txn: { compares, deletes: [existing.key, ...addresses] }, result: undefined };
    });
  }

  async requestAddress(request: AddressRequest): Promise<string> {
    const existing = await this.store.get(keys.ipamPool(request.poolId));
    if (!existing) throw notFound(`pool "${request.poolId}" does not exist`);
    const record = existing.value as PoolRecord;
    const pool = parseCidr(record.pool);
    const range = record.subPool ? parseCidr(record.subPool) : pool;
    const owner = request.owner ?? request.kind ?? ANONYMOUS;
    const wanted = request.address ? parseAddress(request.address.split('/')[0] as string, 'address') : undefined;
    if (wanted && (wanted.family !== pool.family || !contains(pool, wanted.value)))
      throw invalid(`address ${request.address} is outside pool ${record.pool}`);
    if (this.options.shareGateways && request.kind === 'gateway' && owner === GATEWAY_OWNER) {
      return this.cas.commit(async () => {
        const shared = await shareGateway(this.store, request.poolId, wanted?.address, pool.prefix);
        if (shared) return shared;
        const prefix = keys.ipamAddresses(request.poolId);
        const used = new Set((await this.store.list(prefix)).map((e) => e.key.slice(prefix.length)));
        const chosen = wanted?.address ?? this.freeAddresses(pool, range, used, 1)[0];
        if (chosen === undefined)
          throw new ControllerError('EXHAUSTED', `pool ${record.pool} has no free address left`);
        const key = keys.ipamAddress(request.poolId, chosen);
        return {
          txn: { compares: [{ key, revision: 0 }], puts: [{ key, value: this.addressRecord(owner) }] },
          result: `${chosen}/${pool.prefix}`,
        };
      });
    }
    if (wanted) {
      const key = keys.ipamAddress(request.poolId, wanted.address);
      const holder = await this.store.get(key);
      if (holder) {
        if ((holder.value as { owner: string }).owner === owner && request.owner !== undefined)
          return `${wanted.address}/${pool.prefix}`;
        throw new ControllerError('ALREADY_EXISTS', `address ${wanted.address} is already in use`);
      }
      if (
        !(await this.store.txn({ compares: [{ key, revision: 0 }], puts: [{ key, value: this.addressRecord(owner) }] }))
          .succeeded
      ) {
        throw new ControllerError('ALREADY_EXISTS', `address ${wanted.address} is already in use`);
      }
      return `${wanted.address}/${pool.prefix}`;
    }
    const prefix = keys.ipamAddresses(request.poolId);
    return this.cas.commit<string>(async (retry) => {
      const listed = await this.store.list(prefix);
      if (request.reuseOwned === true && request.owner !== undefined) {
        const held = listed.find((e) => (e.value as AddressRecord).owner === request.owner);
        if (held) return { done: `${held.key.slice(prefix.length)}/${pool.prefix}` };
      }
      const used = new Set(listed.map((e) => e.key.slice(prefix.length)));
      for (const address of await this.endpointAddressesIn(record.pool)) used.add(address);
      // Concurrent requests would all race for the lowest free address; after a lost race,
      // pick among the next few free ones instead.
      const candidates = this.freeAddresses(pool, range, used, retry === 0 ? 1 : 32);
      const candidate = candidates[Math.floor(Math.random() * candidates.length)];
      if (candidate === undefined)
        throw new ControllerError('EXHAUSTED', `pool ${record.pool} has no free address left`);
      const key = keys.ipamAddress(request.poolId, candidate);
      return {
        txn: { compares: [{ key, revision: 0 }], puts: [{ key, value: this.addressRecord(owner) }] },
        result: `${candidate}/${pool.prefix}`,
      };
    });
  }

  /**
   * Addresses endpoints of ovsnet networks on this subnet hold without a reservation here:
   * given by hand (`ovsnet attach --ipaddress`), or reserved in another host's pool of it.
   */
  private async endpointAddressesIn(pool: string): Promise<string[]> {
    const networks = (await this.store.list(keys.networks())).map((e) => e.value as NetworkRecord);
    const onSubnet = networks.filter((n) => [...n.ipv4, ...n.ipv6].some((s) => s.pool === pool));
    const held: string[] = [];
    for (const network of onSubnet) {
      const prefix = keys.address(network.id, '');
      for (const entry of await this.store.list(prefix)) held.push(entry.key.slice(prefix.length));
    }
    return held;
  }

  /** Every pool with the addresses held in it (for `ovsnet ipam ls`). */
  async list(): Promise<PoolListing[]> {
    const out = [];
    for (const pool of await this.pools()) {
      const prefix = keys.ipamAddresses(pool.id);
      const addresses = (await this.store.list(prefix)).map((e) => ({
        address: e.key.slice(prefix.length),
        owner: (e.value as AddressRecord).owner,
      }));
      out.push({ poolId: pool.id, pool: pool.pool, refs: pool.refs, addresses });
    }
    return out;
  }

  private addressRecord(owner: string): AddressRecord {
    return { owner, at: this.clock.now() };
  }

  /**
   * Releases anonymous addresses handed out more than `graceMs` ago that nothing uses.
   * Docker's RequestAddress names no owner, and when ovsnet dies between committing an
   * address and answering, Docker retries with an empty body, fails the container and never
   * learns the address, so it can never release it. `inUse` maps each pool (CIDR) of an
   * ovsnet network to the addresses its endpoints hold; pools not in it are left alone
   * (another network driver may be using them). The grace must exceed the time Docker
   * takes from RequestAddress to CreateEndpoint, retries included (about 30 s).
   */
  async reclaim(inUse: ReadonlyMap<string, ReadonlySet<string>>, graceMs: number): Promise<string[]> {
    const reclaimed: string[] = [];
    const cutoff = this.clock.now() - graceMs;
    for (const pool of await this.pools()) {
      const used = inUse.get(pool.pool);
      if (used === undefined) continue;
      const prefix = keys.ipamAddresses(pool.id);
      for (const entry of await this.store.list(prefix)) {
        const record = entry.value as AddressRecord;
        const address = entry.key.slice(prefix.length);
        if (record.owner !== ANONYMOUS || (record.at ?? 0) > cutoff || used.has(address)) continue;
        // Compare-and-swap: an address re-requested meanwhile is not touched.
        const done = await this.store.txn({
          compares: [{ key: entry.key, revision: entry.revision }],
          deletes: [entry.key],
        });
        if (done.succeeded) reclaimed.push(address);
      }
    }
    return reclaimed;
  }

  private freeAddresses(pool: ParsedCidr, range: ParsedCidr, used: Set<string>, want: number): string[] {
    const found: string[] = [];
    // IPv4 skips the network and broadcast addresses of the pool.
    const skipEnds = pool.family === 4 && pool.prefix < 31;
    const first = range.first > pool.first || !skipEnds ? range.first : range.first + 1n;
    const last = range.last < pool.last || !skipEnds ? range.last : range.last - 1n;
    for (let v = first, n = 0; v <= last && n < 1_000_000; v++, n++) {
      if (pool.family === 6 && v === pool.first) continue; // the subnet-router anycast address
      const text = formatAddress(pool.family, v);
      if (!used.has(text)) found.push(text);
      if (found.length >= want) break;
    }
    return found;
  }

  /** Releases every address `owner` holds in the pool (a CNI DEL whose endpoint is gone). */
  async releaseOwnedBy(poolId: string, owner: string): Promise<void> {
    const prefix = keys.ipamAddresses(poolId);
    for (const entry of await this.store.list(prefix))
      if ((entry.value as AddressRecord).owner === owner)
        await this.releaseAddress(poolId, entry.key.slice(prefix.length));
  }

  async releaseAddress(poolId: string, address: string): Promise<void> {
    const bare = parseAddress(address.split('/')[0] as string, 'address').address;
    const existing = await this.store.get(keys.ipamAddress(poolId, bare));
    if (!existing) return;
    if (releaseShared(existing)) {
      // Other hosts still hold this gateway address: one holder fewer.
      await this.cas.commit(async () => {
        const current = await this.store.get(existing.key);
        if (!current) return { done: undefined };
        return (
          releaseShared(current) ?? {
            txn: { compares: [{ key: current.key, revision: current.revision }], deletes: [current.key] },
            result: undefined,
          }
        );
      });
      return;
    }
    await this.store.txn({ compares: [{ key: existing.key, revision: existing.revision }], deletes: [existing.key] });
  }
}
