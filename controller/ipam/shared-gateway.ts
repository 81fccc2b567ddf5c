// A pool's gateway address in a cluster: every host's dockerd has its own copy of a cluster
// network and asks for the network's gateway address when it creates it, and every host has
// a gateway port of its own with that same address. So in a cluster the gateway address is
// held once per host that asked: a second request gets the address the pool's gateway
// already has (the one named, or the one chosen first when none is named), and each release
// drops one holder until the last one frees it.
import { ControllerError } from '../errors';
import type { Attempt } from '../cnm/cas';
import { keys } from '../cnm/records';
import type { KvStore } from '../store/kv';

/** The owner string of a pool's gateway address, as IPAM records it. */
export const GATEWAY_OWNER = 'gateway';

/** An address reservation; `holders` counts the hosts sharing a gateway address (absent: 1). */
export interface HeldAddress {
  owner: string;
  at?: number;
  holders?: number;
}

/**
 * One attempt at sharing the pool's gateway: the named address when given, else the
 * address the pool's gateway holds. Undefined when there is nothing to share yet (then the
 * address is reserved the usual way).
 */
export async function shareGateway(
  store: KvStore,
  poolId: string,
  address: string | undefined,
  prefix: number,
): Promise<Attempt<string> | undefined> {
  const entry =
    address !== undefined
      ? await store.get(keys.ipamAddress(poolId, address))
      : (await store.list(keys.ipamAddresses(poolId))).find((e) => (e.value as HeldAddress).owner === GATEWAY_OWNER);
  if (!entry) return undefined;
  const held = entry.value as HeldAddress;
  const bare = entry.key.slice(keys.ipamAddresses(poolId).length);
  if (held.owner !== GATEWAY_OWNER) throw new ControllerError('ALREADY_EXISTS', `address ${bare} is already in use`);
  return {
    txn: {
      compares: [{ key: entry.key, revision: entry.revision }],
      puts: [{ key: entry.key, value: { ...held, holders: (held.holders ?? 1) + 1 } }],
    },
    result: `${bare}/${prefix}`,
  };
}

/** The release of a shared gateway address that other hosts still hold; undefined otherwise. */
export function releaseShared(entry: { key: string; value: unknown; revision: number }): Attempt<void> | undefined {
  const held = entry.value as HeldAddress;
  if (held.owner !== GATEWAY_OWNER || (held.holders ?? 1) <= 1) return undefined;
  return {
    txn: {
      compares: [{ key: entry.key, revision: entry.revision }],
      puts: [{ key: entry.key, value: { ...held, holders: (held.holders ?? 1) - 1 } }],
    },
    result: undefined,
  };
}
