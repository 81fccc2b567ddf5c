// Each host's own OpenFlow port number for each network's gateway port: `gw/<network>` ->
// the number, held as `ofport/<n>` by the gateway's owner. A network is cluster-wide, but a
// port number only means something on one bridge: the host that creates a network claims its
// number in the creating transaction (networks.ts), every other host claims one the first time
// it sees the network (`ensure`, from the reconcile pass), and a host frees its claim when the
// network is gone (networks.ts on the deleting host, local-claims.ts on the others).
//
// Host-local by nature. Older single-host state kept the number in the network record
// (`gatewayOfport`); `migrate` moves it here once, at start.
import type { KvCompare } from '../store/kv';
import { freeOfport } from './allocators';
import type { CasCommitter } from './cas';
import { gatewayOwner, keys, type NetworkRecord } from './records';

export class GatewayPortStore {
  constructor(private readonly cas: CasCommitter) {}

  /** This host's gateway port number of each network that has one here, by network id. */
  async numbers(): Promise<Map<string, number>> {
    const prefix = keys.gatewayPorts();
    return new Map((await this.cas.store.list(prefix)).map((e) => [e.key.slice(prefix.length), e.value as number]));
  }

  /** The puts and compares that claim `ofport` for the network's gateway on this host. */
  static claim(networkId: string, ofport: number): { compares: KvCompare[]; puts: ClaimPut[] } {
    return {
      compares: [
        { key: keys.gatewayPort(networkId), revision: 0 },
        { key: keys.ofport(ofport), revision: 0 },
      ],
      puts: [
        { key: keys.gatewayPort(networkId), value: ofport },
        { key: keys.ofport(ofport), value: gatewayOwner(networkId) },
      ],
    };
  }

  /** Claims a number for every network that has none on this host yet; returns them all. */
  async ensure(networks: readonly NetworkRecord[]): Promise<Map<string, number>> {
    const numbers = await this.numbers();
    for (const network of networks) {
      if (numbers.has(network.id)) continue;
      const ofport = await this.cas.commit<number>(async () => {
        const held = await this.cas.store.get(keys.gatewayPort(network.id));
        if (held) return { done: held.value as number };
        const chosen = await freeOfport(this.cas.store, gatewayOwner(network.id));
        return { result: chosen, txn: GatewayPortStore.claim(network.id, chosen) };
      });
      numbers.set(network.id, ofport);
    }
    return numbers;
  }

  /**
   * Moves the gateway numbers of older records into `gw/<id>` (and out of the records), so
   * a bridge set up by an older ovsnet keeps its gateway ports. Returns the networks moved.
   */
  async migrate(): Promise<string[]> {
    const moved: string[] = [];
    for (const entry of await this.cas.store.list(keys.networks())) {
      const legacy = entry.value as NetworkRecord;
      if (legacy.gatewayOfport === undefined) continue;
      const migrated = await this.cas.commit<boolean>(async () => {
        const current = await this.cas.store.get(entry.key);
        const record = current?.value as NetworkRecord | undefined;
        if (current === undefined || record?.gatewayOfport === undefined) return { done: false };
        const { gatewayOfport, ...rest } = record;
        const compares = [{ key: current.key, revision: current.revision }];
        const puts: ClaimPut[] = [{ key: current.key, value: rest }];
        const claim = await this.cas.store.get(keys.ofport(gatewayOfport));
        const mine = await this.cas.store.get(keys.gatewayPort(record.id));
        // The number stays this host's only where this host still holds it for the gateway;
        // otherwise `ensure` claims a new one.
        if (mine === undefined && claim?.value === gatewayOwner(record.id)) {
          compares.push({ key: keys.gatewayPort(record.id), revision: 0 });
          compares.push({ key: claim.key, revision: claim.revision });
          puts.push({ key: keys.gatewayPort(record.id), value: gatewayOfport });
        }
        return { result: true, txn: { compares, puts } };
      });
      if (migrated) moved.push(legacy.id);
    }
    return moved;
  }
}

type ClaimPut = { key: string; value: unknown };
