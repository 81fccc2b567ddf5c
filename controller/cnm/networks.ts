// Networks: the store's `net/<id>` records, with the index keys that keep a network's
// parts unique: `netkey/<key>` (its cross-host key) and `tag/<n>` (its pipeline tag), and
// this host's `gw/<id>` with `ofport/<n>` (its gateway port's number here). A network is
// created or deleted with all of them in one transaction, so nothing is ever half-created or
// half-deleted; creating the same network again returns the stored one, and deleting an
// absent one succeeds. A network with endpoints cannot be deleted; its allow rules go with it.
//
// Cluster-wide by nature: every host sees the same networks, with the same tag. The gateway's
// port number is host-local: other hosts claim their own (gateway-ports.ts).
import { ControllerError, conflict, notFound } from '../errors';
import type { KvCompare, KvEntry } from '../store/kv';
import { freeOfport, freeTag, freeVni } from './allocators';
import type { CasCommitter } from './cas';
import { GatewayPortStore } from './gateway-ports';
import { checkNoOverlap, validateNetworkSpec } from './network-validation';
import { gatewayOwner, keys, type EndpointRecord, type NetworkRecord } from './records';
import type { NetworkSpec } from './types';

/** What lives inside a network and so decides whether, and with what, it can be deleted. */
export interface NetworkContents {
  endpointsIn(networkId: string): Promise<EndpointRecord[]>;
  /** Store keys deleted with the network: its allow rules and other hosts' aliases of it. */
  keysDeletedWith(networkId: string): Promise<string[]>;
}

export interface NetworkStoreOptions {
  /**
   * Across hosts every network gets a VNI (its tunnel key): one not given with
   * `-o ovsnet.vni` is allocated here, unique in the cluster by its `vni/<n>` index key.
   */
  allocateVnis?: boolean;
  /** This host's id in the cluster, recorded in the networks it creates; undefined on a single host. */
  hostId?: string;
}

export class NetworkStore {
  constructor(
    private readonly cas: CasCommitter,
    private readonly contents: NetworkContents,
    private readonly options: NetworkStoreOptions = {},
  ) {}

  async list(): Promise<NetworkRecord[]> {
    return (await this.cas.store.list(keys.networks())).map((e) => e.value as NetworkRecord);
  }

  async get(id: string): Promise<NetworkRecord | undefined> {
    return (await this.cas.store.get(keys.network(id)))?.value as NetworkRecord | undefined;
  }

  async require(id: string): Promise<NetworkRecord> {
    const network = await this.get(id);
    if (!network) throw notFound(`network "${id}" does not exist`);
    return network;
  }

  /**
   * The compare that makes a transaction adding something to the network fail if the
   * network changed or went away meanwhile; NOT_FOUND when it is already gone.
   */
  async stillExists(id: string): Promise<KvCompare> {
    const entry: KvEntry | undefined = await this.cas.store.get(keys.network(id));
    if (!entry) throw notFound(`network "${id}" does not exist`);
    return { key: entry.key, revision: entry.revision };
  }

  /** Creates a network; repeating the same request returns the stored network. */
  async create(input: NetworkSpec): Promise<NetworkRecord> {
    const spec = validateNetworkSpec(input);
    const { store } = this.cas;
    return this.cas.commit<NetworkRecord>(async () => {
      const existing = await store.get(keys.network(spec.id));
      if (existing) {
        const stored = existing.value as NetworkRecord;
        if (sameSpec(stored, spec)) return { done: stored };
        if (stored.vniAllocated && spec.vni === undefined && sameSpec(stored, { ...spec, vni: stored.vni }))
          return { done: stored };
        throw new ControllerError('ALREADY_EXISTS', `network "${spec.id}" already exists with different settings`);
      }
      const key = spec.key ?? spec.name ?? (spec.vni !== undefined ? `vni-${spec.vni}` : spec.id);
      // Read before the listing it guards: a creation elsewhere after this read fails ours.
      const serial = await store.get(keys.networkSerial());
      const others = await this.list();
      if (spec.vni !== undefined) {
        const same = others.find((n) => n.vni === spec.vni);
        if (same)
          throw new ControllerError('ALREADY_EXISTS', `VNI ${spec.vni} is already used by network "${same.id}"`);
      }
      const keyEntry = await store.get(keys.networkKey(key));
      if (keyEntry)
        throw new ControllerError(
          'ALREADY_EXISTS',
          `network key "${key}" is already used by network "${String(keyEntry.value)}"`,
        );
      checkNoOverlap(spec, others);
      const vniEntry = spec.vni !== undefined ? await store.get(keys.vni(spec.vni)) : undefined;
      if (vniEntry)
        throw new ControllerError(
          'ALREADY_EXISTS',
          `VNI ${spec.vni} is already used by network "${String(vniEntry.value)}"`,
        );
      const allocatedVni =
        spec.vni === undefined && this.options.allocateVnis === true ? await freeVni(store) : undefined;
      const vni = spec.vni ?? allocatedVni;
      const tag = await freeTag(store);
      const owner = gatewayOwner(spec.id);
      const gatewayOfport = await freeOfport(store, owner);
      const record: NetworkRecord = {
        ...spec,
        key,
        tag,
        gatewayIfname: `ovsgw${tag}`,
        ...(allocatedVni !== undefined ? { vni: allocatedVni, vniAllocated: true } : {}),
        ...(this.options.hostId !== undefined ? { host: this.options.hostId } : {}),
      };
      const gateway = GatewayPortStore.claim(spec.id, gatewayOfport);
      return {
        result: record,
        txn: {
          compares: [
            { key: keys.network(spec.id), revision: 0 },
            { key: keys.networkKey(key), revision: 0 },
            { key: keys.networkSerial(), revision: serial?.revision ?? 0 },
            { key: keys.tag(tag), revision: 0 },
            ...(vni !== undefined ? [{ key: keys.vni(vni), revision: 0 }] : []),
            ...gateway.compares,
          ],
          puts: [
            { key: keys.network(spec.id), value: record },
            { key: keys.networkKey(key), value: spec.id },
            { key: keys.networkSerial(), value: ((serial?.value as number | undefined) ?? 0) + 1 },
            { key: keys.tag(tag), value: spec.id },
            ...(vni !== undefined ? [{ key: keys.vni(vni), value: spec.id }] : []),
            ...gateway.puts,
          ],
        },
      };
    });
  }

  /** Deletes a network that has no endpoints; deleting an absent network succeeds. */
  async delete(id: string): Promise<void> {
    await this.cas.commit(async () => {
      const entry = await this.cas.store.get(keys.network(id));
      if (!entry) return { done: undefined };
      const endpoints = await this.contents.endpointsIn(id);
      if (endpoints.length > 0) {
        throw conflict(
          `network "${id}" still has ${endpoints.length} endpoint(s): ${endpoints.map((e) => e.endpointId.slice(0, 12)).join(', ')}`,
        );
      }
      const record = entry.value as NetworkRecord;
      // This host's gateway number; older records still carry theirs.
      const gateway = (await this.cas.store.get(keys.gatewayPort(id)))?.value as number | undefined;
      const gatewayOfport = gateway ?? record.gatewayOfport;
      return {
        result: undefined,
        txn: {
          compares: [{ key: keys.network(id), revision: entry.revision }],
          deletes: [
            keys.network(id),
            keys.networkKey(record.key),
            keys.tag(record.tag),
            ...(record.vni !== undefined ? [keys.vni(record.vni)] : []),
            keys.gatewayPort(id),
            ...(gatewayOfport !== undefined ? [keys.ofport(gatewayOfport)] : []),
            ...(await this.contents.keysDeletedWith(id)),
          ],
        },
      };
    });
  }
}

/** The stored network was made from `spec`: what the store added aside, nothing differs. */
function sameSpec(stored: NetworkRecord, spec: NetworkSpec): boolean {
  const { key, tag, gatewayOfport, gatewayIfname, vniAllocated, host, ...rest } = stored;
  void [key, tag, gatewayOfport, gatewayIfname, vniAllocated, host];
  return JSON.stringify(normalise(rest)) === JSON.stringify(normalise(spec));
}

function normalise(spec: NetworkSpec): unknown {
  return Object.fromEntries(
    Object.entries(spec)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}
