// Aliases: other hosts' Docker ids for one cluster network (`netalias/<dockerId>` ->
// {network, host}). Docker gives every host's copy of a network an id of its own and never
// tells a driver the network's name, so the first host's id names the cluster network and
// every other host's id is recorded here when its CreateNetwork arrives. Every request is
// served under the canonical id (`resolve`), so endpoints are stored there and the pipeline
// never sees an alias. Aliases go with their network (networks.ts deletes `keysOf`).
//
// Cluster-wide by nature; only a cluster has them.
import { conflict } from '../errors';
import type { CasCommitter } from './cas';
import type { NetworkStore } from './networks';
import { keys, type NetworkAliasRecord, type NetworkRecord } from './records';

/** One alias with the Docker id it is stored under. */
export interface NetworkAlias extends NetworkAliasRecord {
  dockerId: string;
}

export class NetworkAliasStore {
  constructor(
    private readonly cas: CasCommitter,
    private readonly networks: NetworkStore,
  ) {}

  async list(): Promise<NetworkAlias[]> {
    const prefix = keys.networkAliases();
    return (await this.cas.store.list(prefix)).map((e) => ({
      dockerId: e.key.slice(prefix.length),
      ...(e.value as NetworkAliasRecord),
    }));
  }

  async get(dockerId: string): Promise<NetworkAliasRecord | undefined> {
    return (await this.cas.store.get(keys.networkAlias(dockerId)))?.value as NetworkAliasRecord | undefined;
  }

  /**
   * The id a request naming `id` is served under: the network's own id, or the network an
   * alias stands for; an id that is neither comes back unchanged (and then is not found).
   */
  async resolve(id: string): Promise<string> {
    if (await this.networks.get(id)) return id;
    return (await this.get(id))?.network ?? id;
  }

  /** Records `dockerId` as this host's id of `network`; repeating it changes nothing. */
  async add(dockerId: string, network: NetworkRecord, host: string, at: number): Promise<void> {
    await this.cas.commit<void>(async () => {
      const held = await this.get(dockerId);
      if (held?.network === network.id) return { done: undefined };
      if (held) throw conflict(`Docker network ${dockerId} already stands for network "${held.network}"`);
      const exists = await this.networks.stillExists(network.id);
      const record: NetworkAliasRecord = { network: network.id, host, at };
      return {
        result: undefined,
        txn: {
          compares: [exists, { key: keys.networkAlias(dockerId), revision: 0 }],
          puts: [{ key: keys.networkAlias(dockerId), value: record }],
        },
      };
    });
  }

  /**
   * Forgets an alias whose Docker network is gone from its host's engine while the network
   * stays (Docker drops its copy even when the driver refuses the delete); absent is no error.
   */
  async remove(dockerId: string): Promise<void> {
    await this.cas.commit<void>(async () => {
      const entry = await this.cas.store.get(keys.networkAlias(dockerId));
      if (!entry) return { done: undefined };
      return {
        result: undefined,
        txn: { compares: [{ key: entry.key, revision: entry.revision }], deletes: [entry.key] },
      };
    });
  }

  /** Store keys of the network's aliases, deleted with it. */
  async keysOf(networkId: string): Promise<string[]> {
    return (await this.list()).filter((a) => a.network === networkId).map((a) => keys.networkAlias(a.dockerId));
  }
}
