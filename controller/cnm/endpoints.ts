// Endpoints: the store's `ep/<network>/<endpoint>` records, with the index keys that hold
// what each endpoint reserved: `addr/<network>/<address>` (its IPv4 and IPv6 addresses),
// `mac/<network>/<mac>` and `ofport/<n>`. An endpoint is created with all of them in one
// transaction, and only while its network exists; creating it again with the same request
// returns the stored one. Deleting it frees them together with its published host ports
// and records its veth as a stale link in the same transaction, so a crash leaks nothing;
// deleting an absent endpoint succeeds.
//
// Cluster-wide by nature (an endpoint's addresses and MAC are unique across hosts), except
// for the fields only its host uses: the OpenFlow port number and the veth names. With a
// cluster store each record names its host (`host`); the host-local keys it holds (port
// number, host ports, its veth) are only ever touched on that host.
import { ControllerError, invalid, conflict, notFound } from '../errors';
import type { KvEntry, KvTxn } from '../store/kv';
import { vethNamesFor } from '../host/links';
import { contains, parseAddress, parseCidr, parseMac } from './addresses';
import { freeMac, freeOfport } from './allocators';
import type { CasCommitter } from './cas';
import { pickAddresses, poolClaimOps, type PickedAddresses } from './endpoint-addresses';
import { heldHostPortKeys } from './host-port-store';
import type { NetworkStore } from './networks';
import { endpointOwner, keys, onHost, type EndpointRecord, type NetworkRecord } from './records';
import { staleLinkPut } from './stale-link-records';
import type { EndpointSpec, SubnetSpec } from './types';

export class EndpointStore {
  constructor(
    private readonly cas: CasCommitter,
    private readonly networks: NetworkStore,
    /** This host's id in the cluster; undefined on a single host. */
    private readonly hostId?: string,
  ) {}

  /** Every endpoint, or those of one network, on every host. */
  async list(networkId?: string): Promise<EndpointRecord[]> {
    return (await this.cas.store.list(keys.endpoints(networkId))).map((e) => e.value as EndpointRecord);
  }

  /** The endpoints that live on this host: the only ones with ports, veths and flows here. */
  async listOnHost(networkId?: string): Promise<EndpointRecord[]> {
    return (await this.list(networkId)).filter((e) => onHost(e, this.hostId));
  }

  async get(networkId: string, endpointId: string): Promise<EndpointRecord | undefined> {
    return (await this.cas.store.get(keys.endpoint(networkId, endpointId)))?.value as EndpointRecord | undefined;
  }

  async require(networkId: string, endpointId: string): Promise<EndpointRecord> {
    return (await this.requireEntry(networkId, endpointId)).record;
  }

  /** The endpoint with its store entry, whose revision a transaction changing it compares. */
  async requireEntry(networkId: string, endpointId: string): Promise<{ entry: KvEntry; record: EndpointRecord }> {
    const entry = await this.cas.store.get(keys.endpoint(networkId, endpointId));
    if (!entry) throw notFound(`endpoint "${endpointId}" does not exist in network "${networkId}"`);
    return { entry, record: entry.value as EndpointRecord };
  }

  /**
   * Creates an endpoint with its addresses and MAC reserved; idempotent per endpoint id. A
   * request that names no address gets one per family the network has subnets in.
   * `joined`: the endpoint is stored joined to the sandbox `sandboxKey`, for a caller that
   * makes its veth itself meanwhile (NetworkService.createJoined). An endpoint that existed
   * already is returned as it is.
   */
  async create(spec: EndpointSpec, joined?: { sandboxKey: string }): Promise<EndpointRecord> {
    const { store } = this.cas;
    return this.cas.commit<EndpointRecord>(async (retry) => {
      const network = await this.networks.require(spec.networkId);
      const existing = await this.get(spec.networkId, spec.endpointId);
      const wanted = validateEndpoint(network, spec);
      if (existing) {
        if (!onHost(existing, this.hostId))
          throw new ControllerError(
            'ALREADY_EXISTS',
            `endpoint "${spec.endpointId}" already exists on host "${String(existing.host)}"`,
          );
        const same =
          (wanted.ipv4 === undefined || wanted.ipv4 === existing.ipv4) &&
          (wanted.ipv6 === undefined || wanted.ipv6 === existing.ipv6) &&
          (wanted.mac === undefined || wanted.mac === existing.mac);
        if (same) return { done: existing };
        throw new ControllerError(
          'ALREADY_EXISTS',
          `endpoint "${spec.endpointId}" already exists with different addresses`,
        );
      }
      const compares: KvTxn['compares'] = [{ key: keys.endpoint(spec.networkId, spec.endpointId), revision: 0 }];
      const allocate = wanted.ipv4 === undefined && wanted.ipv6 === undefined;
      const picked: PickedAddresses = allocate ? await pickAddresses(store, network, retry) : { poolClaims: [] };
      const claims = poolClaimOps(picked, spec.endpointId, Date.now());
      compares.push(...claims.compares);
      // Picked from what was free a moment ago: the compares below settle any race.
      for (const cidr of [picked.ipv4, picked.ipv6])
        if (cidr !== undefined)
          compares.push({ key: keys.address(network.id, cidr.split('/')[0] as string), revision: 0 });
      if (picked.ipv4 !== undefined) wanted.ipv4 = picked.ipv4;
      if (picked.ipv6 !== undefined) wanted.ipv6 = picked.ipv6;
      for (const cidr of allocate ? [] : [wanted.ipv4, wanted.ipv6]) {
        if (cidr === undefined) continue;
        const address = cidr.split('/')[0] as string;
        const holder = await store.get(keys.address(network.id, address));
        if (holder)
          throw new ControllerError(
            'ALREADY_EXISTS',
            `address ${address} is already used by endpoint "${String(holder.value)}" in network "${network.id}"`,
          );
        compares.push({ key: keys.address(network.id, address), revision: 0 });
      }
      const mac = wanted.mac ?? (await freeMac(store, network.id, spec.endpointId, wanted.ipv4));
      if (wanted.mac !== undefined) {
        const holder = await store.get(keys.mac(network.id, mac));
        if (holder)
          throw new ControllerError(
            'ALREADY_EXISTS',
            `MAC ${mac} is already used by endpoint "${String(holder.value)}" in network "${network.id}"`,
          );
      }
      compares.push({ key: keys.mac(network.id, mac), revision: 0 });
      const owner = endpointOwner(network.id, spec.endpointId);
      const ofport = await freeOfport(store, owner);
      compares.push({ key: keys.ofport(ofport), revision: 0 });
      const names = vethNamesFor(spec.endpointId);
      const record: EndpointRecord = {
        networkId: network.id,
        endpointId: spec.endpointId,
        ...(this.hostId !== undefined ? { host: this.hostId } : {}),
        ...(wanted.ipv4 !== undefined ? { ipv4: wanted.ipv4 } : {}),
        ...(wanted.ipv6 !== undefined ? { ipv6: wanted.ipv6 } : {}),
        mac,
        ofport,
        hostIfname: names.host,
        containerIfname: names.peer,
        ...(spec.containerName !== undefined ? { containerName: spec.containerName } : {}),
        ...(picked.poolClaims.length > 0 ? { poolClaims: picked.poolClaims } : {}),
        ...(spec.fromDocker === true ? { fromDocker: true as const } : {}),
        ...(spec.attachment !== undefined
          ? { attachment: { containerId: spec.attachment.containerId, containerIface: spec.attachment.containerIface } }
          : {}),
        ...(joined !== undefined ? { plugged: true, sandboxKey: joined.sandboxKey } : {}),
      };
      const puts: KvTxn['puts'] = [
        ...claims.puts,
        { key: keys.endpoint(network.id, spec.endpointId), value: record },
        { key: keys.mac(network.id, mac), value: spec.endpointId },
        { key: keys.ofport(ofport), value: owner },
      ];
      for (const cidr of [record.ipv4, record.ipv6]) {
        if (cidr !== undefined)
          puts.push({ key: keys.address(network.id, cidr.split('/')[0] as string), value: spec.endpointId });
      }
      compares.push(await this.networks.stillExists(network.id));
      return { result: record, txn: { compares, puts } };
    });
  }

  /**
   * Deletes an endpoint and frees what it held; deleting an absent one succeeds. With
   * `onlyIf`, the record is deleted only while it still satisfies it (judged on the revision
   * the deletion compares against, so a Join landing meanwhile keeps it); otherwise
   * nothing happens and undefined is returned.
   */
  async delete(
    networkId: string,
    endpointId: string,
    onlyIf?: (record: EndpointRecord) => boolean,
  ): Promise<EndpointRecord | undefined> {
    return this.cas.commit(async () => {
      const entry = await this.cas.store.get(keys.endpoint(networkId, endpointId));
      if (!entry) return { done: undefined };
      const record = entry.value as EndpointRecord;
      if (onlyIf !== undefined && !onlyIf(record)) return { done: undefined };
      const deletes = [
        keys.endpoint(networkId, endpointId),
        keys.mac(networkId, record.mac),
        ...(record.poolClaims ?? []),
      ];
      for (const cidr of [record.ipv4, record.ipv6])
        if (cidr !== undefined) deletes.push(keys.address(networkId, cidr.split('/')[0] as string));
      const compares = [{ key: entry.key, revision: entry.revision }];
      // Another host's port number, host ports and veth are that host's to free (it does so
      // when it sees the endpoint gone: local-claims.ts).
      if (!onHost(record, this.hostId)) return { result: record, txn: { compares, deletes } };
      deletes.push(keys.ofport(record.ofport), ...heldHostPortKeys(record));
      // The record goes, and with it the only knowledge that its veth is ours: the same
      // transaction remembers the link until it is deleted, so a crash cannot leak it.
      const puts = [staleLinkPut(record.hostIfname, { networkId, endpointId })];
      return { result: record, txn: { compares, puts, deletes } };
    });
  }

  /** Changes fields of an existing endpoint (join/leave); an unchanged record writes nothing. */
  async update(
    networkId: string,
    endpointId: string,
    change: (record: EndpointRecord) => EndpointRecord,
  ): Promise<EndpointRecord> {
    return this.cas.commit<EndpointRecord>(async () => {
      const { entry, record: before } = await this.requireEntry(networkId, endpointId);
      const after = change(structuredClone(before));
      if (JSON.stringify(after) === JSON.stringify(before)) return { done: before };
      return {
        result: after,
        txn: { compares: [{ key: entry.key, revision: entry.revision }], puts: [{ key: entry.key, value: after }] },
      };
    });
  }
}

interface WantedEndpoint {
  ipv4?: string;
  ipv6?: string;
  mac?: string;
}

function validateEndpoint(network: NetworkRecord, spec: EndpointSpec): WantedEndpoint {
  if (typeof spec.endpointId !== 'string' || !/^[0-9A-Za-z][0-9A-Za-z_.-]{3,127}$/.test(spec.endpointId)) {
    throw invalid(`endpoint id "${String(spec.endpointId)}" must be 4-128 letters, digits, '.', '_' or '-'`);
  }
  const wanted: WantedEndpoint = {};
  if (spec.ipv4 !== undefined && spec.ipv4 !== '')
    wanted.ipv4 = checkEndpointAddress(network.ipv4, spec.ipv4, 4, network.id);
  if (spec.ipv6 !== undefined && spec.ipv6 !== '')
    wanted.ipv6 = checkEndpointAddress(network.ipv6, spec.ipv6, 6, network.id);
  if (spec.mac !== undefined && spec.mac !== '') wanted.mac = parseMac(spec.mac);
  return wanted;
}

/** The address must be inside one of the network's subnets and not its gateway. */
function checkEndpointAddress(subnets: SubnetSpec[], text: string, family: 4 | 6, networkId: string): string {
  const cidr = text.includes('/') ? parseCidr(text, `IPv${family} address`, true) : undefined;
  const bare = cidr
    ? { family: cidr.family, address: cidr.address, value: cidr.value }
    : parseAddress(text, `IPv${family} address`);
  if (bare.family !== family) throw invalid(`"${text}" is not an IPv${family} address`);
  const home = subnets.map((s) => ({ s, p: parseCidr(s.pool) })).find(({ p }) => contains(p, bare.value));
  if (!home)
    throw invalid(
      `address ${bare.address} is outside the subnets of network "${networkId}" (${subnets.map((s) => s.pool).join(', ') || 'none'})`,
    );
  if (home.s.gateway !== undefined && parseAddress(home.s.gateway).value === bare.value) {
    throw conflict(`address ${bare.address} is the gateway of network "${networkId}"`);
  }
  if (family === 4 && home.p.prefix < 31 && (bare.value === home.p.first || bare.value === home.p.last)) {
    throw invalid(`address ${bare.address} is the network or broadcast address of ${home.s.pool}`);
  }
  return `${bare.address}/${home.p.prefix}`;
}
