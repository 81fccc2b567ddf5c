// `ovsnet host rm`: forgets a host that is gone for good. Only a host whose lease expired
// can be removed (a live one would write its endpoints back, and its containers still use
// them). Each of its endpoints goes in one compare-and-swap transaction with everything it
// holds in the cluster store: its address and MAC claims and its IPAM reservations (the
// ones picked for it, and the ones Docker's IPAM made for its addresses, which that host's
// dockerd will never release now). Each transaction also requires the host to be still
// absent, so a host that comes back meanwhile keeps what it has not lost yet, and nothing
// is ever half-removed. The other hosts' reconcilers drop its tunnel flows as its records
// go (their watch sees the deletions). Its host-local keys stay on it; if it ever returns,
// the claim repair (local-claims.ts) frees them. Its host number is given back last.
import { conflict, notFound } from '../errors';
import { contains, parseAddress, parseCidr } from './addresses';
import type { CasCommitter } from './cas';
import type { EndpointStore } from './endpoints';
import type { NetworkStore } from './networks';
import { keys, type EndpointRecord, type NetworkRecord } from './records';

export class HostRemoval {
  constructor(
    private readonly cas: CasCommitter,
    private readonly networks: NetworkStore,
    private readonly endpoints: EndpointStore,
    /** This host's id; undefined on a single host. */
    private readonly hostId: string | undefined,
  ) {}

  /** Removes a dead host's endpoints; answers their ids. */
  async remove(hostId: string): Promise<{ removed: string[] }> {
    if (hostId === this.hostId) throw conflict(`host "${hostId}" is this daemon's own host`);
    await this.refuseLive(hostId);
    const owned = (await this.endpoints.list()).filter((e) => e.host === hostId);
    const numbered = await this.cas.store.get(keys.hostNumberOf(hostId));
    if (owned.length === 0 && !numbered)
      throw notFound(`no host "${hostId}" is known: it is not alive and owns no endpoint`);
    const removed: string[] = [];
    for (const endpoint of owned) {
      const gone = await this.removeEndpoint(hostId, endpoint);
      if (gone) removed.push(endpoint.endpointId);
    }
    await this.releaseNumber(hostId);
    return { removed };
  }

  /** Its number in the cluster (cluster/host-number.ts) goes last: a returning host claims one anew. */
  private async releaseNumber(hostId: string): Promise<void> {
    await this.cas.commit<void>(async () => {
      const entry = await this.cas.store.get(keys.hostNumberOf(hostId));
      if (!entry) return { done: undefined };
      await this.refuseLive(hostId);
      return {
        result: undefined,
        txn: {
          compares: [
            { key: entry.key, revision: entry.revision },
            { key: keys.host(hostId), revision: 0 },
          ],
          deletes: [entry.key, keys.hostNumber(entry.value as number)],
        },
      };
    });
  }

  private async refuseLive(hostId: string): Promise<void> {
    if (await this.cas.store.get(keys.host(hostId)))
      throw conflict(
        `host "${hostId}" is alive (its lease is current): stop its ovsnet daemon and wait for the lease to expire before removing it`,
      );
  }

  private async removeEndpoint(hostId: string, endpoint: EndpointRecord): Promise<boolean> {
    const { store } = this.cas;
    return this.cas.commit<boolean>(async () => {
      const entry = await store.get(keys.endpoint(endpoint.networkId, endpoint.endpointId));
      if (!entry) return { done: false };
      await this.refuseLive(hostId);
      const record = entry.value as EndpointRecord;
      const network = await this.networks.get(record.networkId);
      const addresses = [record.ipv4, record.ipv6].flatMap((a) => (a !== undefined ? [a.split('/')[0] as string] : []));
      const reservations = network ? await this.dockerReservations(network, addresses) : [];
      return {
        result: true,
        txn: {
          compares: [
            { key: entry.key, revision: entry.revision },
            { key: keys.host(hostId), revision: 0 },
          ],
          deletes: [
            entry.key,
            keys.mac(record.networkId, record.mac),
            ...addresses.map((a) => keys.address(record.networkId, a)),
            ...(record.poolClaims ?? []),
            ...reservations,
          ],
        },
      };
    });
  }

  /** IPAM keys that hold the addresses in the network's pools (made by Docker's RequestAddress). */
  private async dockerReservations(network: NetworkRecord, addresses: string[]): Promise<string[]> {
    const found: string[] = [];
    for (const address of addresses) {
      const value = parseAddress(address).value;
      const subnet = [...network.ipv4, ...network.ipv6].find(
        (s) => s.poolId !== undefined && contains(parseCidr(s.pool), value),
      );
      if (subnet?.poolId === undefined) continue;
      const key = keys.ipamAddress(subnet.poolId, address);
      if (await this.cas.store.get(key)) found.push(key);
    }
    return found;
  }
}
