// Keeps this host's claims (host-local keys that hold something for a cluster-wide owner)
// true to the cluster store, which is the authority. A transaction spanning both stores can
// stop half-way (a crash, an answer lost in an outage: see store/tiered-store.ts), and a host
// that was away may come back to find its endpoints deleted elsewhere. Then:
// - `ofport/<n>` held by an endpoint of this host that the cluster no longer has (or that
//   now uses another number), or by the gateway of a network that is gone: removed; the
//   veth of such an endpoint is recorded as a stale link (see stale-link-records.ts);
// - `gw/<network>` of a network that is gone: removed;
// - `hostport/<proto>/<port>` no endpoint of this host publishes: removed;
// - an endpoint of this host whose `ofport/<n>` claim is missing: claimed again.
// Never the other way round: nothing here writes to the cluster store. Keys of transactions
// still in flight are left alone, and every removal compares the revision it judged.
import type { KvEntry, KvStore, KvTxn } from '../store/kv';
import { vethNamesFor } from '../host/links';
import { heldHostPortKeys } from './host-port-store';
import { endpointOwner, keys, parseOwner, type EndpointRecord } from './records';
import { staleLinkPut } from './stale-link-records';

/** The two stores of a tiered store, and the local keys its unfinished transactions write. */
export interface ClaimStores {
  local: KvStore;
  cluster: KvStore;
  pendingLocalKeys(): ReadonlySet<string>;
}

export interface ClaimRepairs {
  /** Local keys removed because their owner is gone. */
  removed: string[];
  /** `ofport/<n>` claims made again for endpoints of this host. */
  reclaimed: string[];
}

export class LocalClaims {
  constructor(
    private readonly stores: ClaimStores,
    private readonly hostId: string,
  ) {}

  async reconcile(): Promise<ClaimRepairs> {
    const { local, cluster } = this.stores;
    // Local first, then what is in flight, then the cluster: a transaction that finished
    // after the local listing changed a listed key's revision (so its removal fails), and
    // one that finished before the cluster listing shows in it.
    const [ofports, gateways, hostPorts] = await Promise.all([
      local.list(keys.ofports()),
      local.list(keys.gatewayPorts()),
      local.list(keys.hostPorts()),
    ]);
    const pending = this.stores.pendingLocalKeys();
    const [networkEntries, endpointEntries] = await Promise.all([
      cluster.list(keys.networks()),
      cluster.list(keys.endpoints()),
    ]);
    const networks = new Set(networkEntries.map((e) => e.key.slice(keys.networks().length)));
    const mine = new Map<string, EndpointRecord>();
    for (const entry of endpointEntries) {
      const endpoint = entry.value as EndpointRecord;
      if (endpoint.host === this.hostId) mine.set(endpointOwner(endpoint.networkId, endpoint.endpointId), endpoint);
    }
    const gatewayOf = new Map(gateways.map((e) => [e.key.slice(keys.gatewayPorts().length), e.value]));
    const published = new Set([...mine.values()].flatMap((e) => heldHostPortKeys(e)));
    const removals: Array<{ entry: KvEntry; also?: KvTxn['puts'] }> = [];
    for (const entry of ofports) {
      const ofport = Number(entry.key.slice(keys.ofports().length));
      const owner = parseOwner(entry.value);
      if (owner?.kind === 'endpoint') {
        const endpoint = mine.get(entry.value as string);
        if (endpoint?.ofport === ofport) continue;
        // Gone from the cluster: its veth goes too. (Still there under another number: the
        // number was given up half-way, the veth is in use.)
        removals.push(
          endpoint === undefined
            ? {
                entry,
                also: [
                  staleLinkPut(vethNamesFor(owner.endpointId).host, {
                    networkId: owner.networkId,
                    endpointId: owner.endpointId,
                  }),
                ],
              }
            : { entry },
        );
      } else if (owner?.kind === 'gateway') {
        if (!networks.has(owner.networkId) || gatewayOf.get(owner.networkId) !== ofport) removals.push({ entry });
      }
    }
    for (const entry of gateways)
      if (!networks.has(entry.key.slice(keys.gatewayPorts().length))) removals.push({ entry });
    for (const entry of hostPorts) if (!published.has(entry.key)) removals.push({ entry });

    const repairs: ClaimRepairs = { removed: [], reclaimed: [] };
    for (const { entry, also } of removals) {
      if (pending.has(entry.key)) continue;
      const done = await local.txn({
        compares: [{ key: entry.key, revision: entry.revision }],
        deletes: [entry.key],
        ...(also !== undefined ? { puts: also } : {}),
      });
      if (done.succeeded) repairs.removed.push(entry.key);
    }
    const held = new Set(ofports.map((e) => e.key));
    for (const [owner, endpoint] of mine) {
      const key = keys.ofport(endpoint.ofport);
      if (held.has(key) || pending.has(key)) continue;
      const done = await local.txn({ compares: [{ key, revision: 0 }], puts: [{ key, value: owner }] });
      if (done.succeeded) repairs.reclaimed.push(key);
    }
    return repairs;
  }
}
