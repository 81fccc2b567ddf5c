// The desired state of the container network model: networks, endpoints and their
// sandboxes, kept in the KvStore with compare-and-swap transactions so that every call is
// atomic, idempotent and safe to retry, and nothing is half-created. Reconcilers watch
// `onChange` and make OVS match.
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { ControllerError, conflict, invalid, notFound } from '../errors';
import type { KvEntry, KvStore, KvTxn } from '../store/kv';
import { vethNamesFor } from '../host/links';
import { contains, overlaps, parseAddress, parseCidr, parseMac, type ParsedCidr } from './addresses';
import {
  endpointOwner,
  FIRST_CONTROLLER_OFPORT,
  keys,
  LAST_CONTROLLER_OFPORT,
  MAX_NETWORK_TAG,
  poolOwner,
  type EndpointRecord,
  type NetworkRecord,
  type PoolSlotRecord,
} from './records';
import type { AllowRule, EndpointSpec, NetworkSpec, PortBinding, SubnetSpec } from './types';
import { chooseHostPorts } from './host-ports';
import { validateNetworkSpec } from './validate';

type Listener = () => void;

const OFPORT_RANGE = LAST_CONTROLLER_OFPORT - FIRST_CONTROLLER_OFPORT + 1;

export class Registry {
  private readonly listeners = new Set<Listener>();

  constructor(private readonly store: KvStore) {}

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  /** Runs `attempt` until its transaction commits; CAS conflicts mean someone raced us. */
  private async commit<T>(attempt: () => Promise<{ txn: KvTxn; result: T } | { done: T }>): Promise<T> {
    for (let tries = 0; tries < 50; tries++) {
      const step = await attempt();
      if ('done' in step) return step.done;
      const outcome = await this.store.txn(step.txn);
      if (outcome.succeeded) {
        this.changed();
        return step.result;
      }
      // Someone else committed first; spread the retries so they do not collide again.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 ** tries)));
    }
    throw new ControllerError('UNAVAILABLE', 'the state store kept changing under this request; try again');
  }

  async listNetworks(): Promise<NetworkRecord[]> {
    return (await this.store.list(keys.networks())).map((e) => e.value as NetworkRecord);
  }

  async getNetwork(id: string): Promise<NetworkRecord | undefined> {
    return (await this.store.get(keys.network(id)))?.value as NetworkRecord | undefined;
  }

  async requireNetwork(id: string): Promise<NetworkRecord> {
    const network = await this.getNetwork(id);
    if (!network) throw notFound(`network "${id}" does not exist`);
    return network;
  }

  async listEndpoints(networkId?: string): Promise<EndpointRecord[]> {
    return (await this.store.list(keys.endpoints(networkId))).map((e) => e.value as EndpointRecord);
  }

  async getEndpoint(networkId: string, endpointId: string): Promise<EndpointRecord | undefined> {
    return (await this.store.get(keys.endpoint(networkId, endpointId)))?.value as EndpointRecord | undefined;
  }

  async requireEndpoint(networkId: string, endpointId: string): Promise<EndpointRecord> {
    const endpoint = await this.getEndpoint(networkId, endpointId);
    if (!endpoint) throw notFound(`endpoint "${endpointId}" does not exist in network "${networkId}"`);
    return endpoint;
  }

  /** Creates a network; repeating the same request returns the stored network. */
  async createNetwork(input: NetworkSpec): Promise<NetworkRecord> {
    const spec = validateNetworkSpec(input);
    return this.commit<NetworkRecord>(async () => {
      const existing = await this.store.get(keys.network(spec.id));
      if (existing) {
        const stored = existing.value as NetworkRecord;
        if (sameSpec(stored, spec)) return { done: stored };
        throw new ControllerError('ALREADY_EXISTS', `network "${spec.id}" already exists with different settings`);
      }
      const key = spec.key ?? spec.name ?? (spec.vni !== undefined ? `vni-${spec.vni}` : spec.id);
      const others = await this.listNetworks();
      if (spec.vni !== undefined) {
        const same = others.find((n) => n.vni === spec.vni);
        if (same)
          throw new ControllerError('ALREADY_EXISTS', `VNI ${spec.vni} is already used by network "${same.id}"`);
      }
      const keyEntry = await this.store.get(keys.networkKey(key));
      if (keyEntry)
        throw new ControllerError(
          'ALREADY_EXISTS',
          `network key "${key}" is already used by network "${String(keyEntry.value)}"`,
        );
      checkNoOverlap(spec, others);
      const tag = await this.freeTag();
      const gatewayOfport = await this.freeOfport(`gateway:${spec.id}`);
      const record: NetworkRecord = { ...spec, key, tag, gatewayOfport, gatewayIfname: `ovsgw${tag}` };
      return {
        result: record,
        txn: {
          compares: [
            { key: keys.network(spec.id), revision: 0 },
            { key: keys.networkKey(key), revision: 0 },
            { key: keys.tag(tag), revision: 0 },
            { key: keys.ofport(gatewayOfport), revision: 0 },
          ],
          puts: [
            { key: keys.network(spec.id), value: record },
            { key: keys.networkKey(key), value: spec.id },
            { key: keys.tag(tag), value: spec.id },
            { key: keys.ofport(gatewayOfport), value: `gateway:${spec.id}` },
          ],
        },
      };
    });
  }

  private async freeTag(): Promise<number> {
    const used = new Set((await this.store.list(keys.tags())).map((e) => Number(e.key.slice(keys.tags().length))));
    for (let tag = 1; tag <= MAX_NETWORK_TAG; tag++) if (!used.has(tag)) return tag;
    throw new ControllerError('EXHAUSTED', `all ${MAX_NETWORK_TAG} network tags are in use`);
  }

  /**
   * A free OpenFlow port number. Probing starts at a point derived from the owner, so
   * concurrent requests rarely race for the same number (and a retry finds the same one).
   */
  private async freeOfport(owner: string): Promise<number> {
    const start = createHash('sha256').update(owner).digest().readUInt32BE(0) % OFPORT_RANGE;
    return (await this.freeOfports(start, 1))[0] as number;
  }

  /** `count` free OpenFlow port numbers of the controller range, probing from `start`. */
  private async freeOfports(start: number, count: number): Promise<number[]> {
    const used = new Set(
      (await this.store.list(keys.ofports())).map((e) => Number(e.key.slice(keys.ofports().length))),
    );
    const free: number[] = [];
    for (let i = 0; i < OFPORT_RANGE && free.length < count; i++) {
      const port = FIRST_CONTROLLER_OFPORT + ((start + i) % OFPORT_RANGE);
      if (!used.has(port)) free.push(port);
    }
    if (free.length < count)
      throw new ControllerError('EXHAUSTED', 'every OpenFlow port number of the controller range is in use');
    return free;
  }

  /** Deletes a network that has no endpoints; deleting an absent network succeeds. */
  async deleteNetwork(id: string): Promise<void> {
    await this.commit(async () => {
      const entry = await this.store.get(keys.network(id));
      if (!entry) return { done: undefined };
      const endpoints = await this.listEndpoints(id);
      if (endpoints.length > 0) {
        throw conflict(
          `network "${id}" still has ${endpoints.length} endpoint(s): ${endpoints.map((e) => e.endpointId.slice(0, 12)).join(', ')}`,
        );
      }
      const record = entry.value as NetworkRecord;
      const rules = (await this.store.list(keys.rules())).filter(
        (r) => (r.value as { networkId: string }).networkId === id,
      );
      return {
        result: undefined,
        txn: {
          compares: [{ key: keys.network(id), revision: entry.revision }],
          deletes: [
            keys.network(id),
            keys.networkKey(record.key),
            keys.tag(record.tag),
            keys.ofport(record.gatewayOfport),
            ...rules.map((r) => r.key),
          ],
        },
      };
    });
  }

  /** Creates an endpoint with its addresses and MAC reserved; idempotent per endpoint id. */
  async createEndpoint(spec: EndpointSpec): Promise<EndpointRecord> {
    return this.commit<EndpointRecord>(async () => {
      const network = await this.requireNetwork(spec.networkId);
      const existing = await this.getEndpoint(spec.networkId, spec.endpointId);
      const wanted = validateEndpoint(network, spec);
      if (existing) {
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
      for (const cidr of [wanted.ipv4, wanted.ipv6]) {
        if (cidr === undefined) continue;
        const address = cidr.split('/')[0] as string;
        const holder = await this.store.get(keys.address(network.id, address));
        if (holder)
          throw new ControllerError(
            'ALREADY_EXISTS',
            `address ${address} is already used by endpoint "${String(holder.value)}" in network "${network.id}"`,
          );
        compares.push({ key: keys.address(network.id, address), revision: 0 });
      }
      const mac = wanted.mac ?? (await this.freeMac(network.id, spec.endpointId, wanted.ipv4));
      if (wanted.mac !== undefined) {
        const holder = await this.store.get(keys.mac(network.id, mac));
        if (holder)
          throw new ControllerError(
            'ALREADY_EXISTS',
            `MAC ${mac} is already used by endpoint "${String(holder.value)}" in network "${network.id}"`,
          );
      }
      compares.push({ key: keys.mac(network.id, mac), revision: 0 });
      const ofport = await this.freeOfport(endpointOwner(network.id, spec.endpointId));
      compares.push({ key: keys.ofport(ofport), revision: 0 });
      const names = vethNamesFor(spec.endpointId);
      const record: EndpointRecord = {
        networkId: network.id,
        endpointId: spec.endpointId,
        ...(wanted.ipv4 !== undefined ? { ipv4: wanted.ipv4 } : {}),
        ...(wanted.ipv6 !== undefined ? { ipv6: wanted.ipv6 } : {}),
        mac,
        ofport,
        hostIfname: names.host,
        containerIfname: names.peer,
        ...(spec.containerName !== undefined ? { containerName: spec.containerName } : {}),
        ...(spec.attachment !== undefined
          ? { attachment: { containerId: spec.attachment.containerId, containerIface: spec.attachment.containerIface } }
          : {}),
      };
      const puts = [
        { key: keys.endpoint(network.id, spec.endpointId), value: record },
        { key: keys.mac(network.id, mac), value: spec.endpointId },
        { key: keys.ofport(ofport), value: endpointOwner(network.id, spec.endpointId) },
      ];
      for (const cidr of [record.ipv4, record.ipv6]) {
        if (cidr !== undefined)
          puts.push({ key: keys.address(network.id, cidr.split('/')[0] as string), value: spec.endpointId });
      }
      // The network must still exist when the endpoint lands.
      const netEntry = await this.store.get(keys.network(network.id));
      compares.push({ key: keys.network(network.id), revision: netEntry?.revision ?? 0 });
      return { result: record, txn: { compares, puts } };
    });
  }

  /**
   * A MAC derived from the IPv4 address, as Docker's bridge does: a container restarted
   * with the same address keeps its MAC, so its peers' ARP caches stay right. Without an
   * IPv4 address, one derived from the endpoint id (a retried request gets the same one).
   */
  private async freeMac(networkId: string, endpointId: string, ipv4?: string): Promise<string> {
    if (ipv4 !== undefined) {
      const octets = (ipv4.split('/')[0] as string).split('.').map((o) => Number(o).toString(16).padStart(2, '0'));
      const mac = ['02', '4f', ...octets].join(':');
      if (!(await this.store.get(keys.mac(networkId, mac)))) return mac;
    }
    for (let salt = 0; salt < 100; salt++) {
      const digest = createHash('sha256').update(`${networkId}/${endpointId}/${salt}`).digest();
      const mac = ['02', ...[...digest.subarray(0, 5)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
      if (!(await this.store.get(keys.mac(networkId, mac)))) return mac;
    }
    throw new ControllerError('INTERNAL', `could not find a free MAC address for endpoint "${endpointId}"`);
  }

  /** Deletes an endpoint and frees its addresses; deleting an absent one succeeds. */
  async deleteEndpoint(networkId: string, endpointId: string): Promise<EndpointRecord | undefined> {
    return this.commit(async () => {
      const entry = await this.store.get(keys.endpoint(networkId, endpointId));
      if (!entry) return { done: undefined };
      const record = entry.value as EndpointRecord;
      const deletes = [
        keys.endpoint(networkId, endpointId),
        keys.mac(networkId, record.mac),
        keys.ofport(record.ofport),
      ];
      for (const cidr of [record.ipv4, record.ipv6])
        if (cidr !== undefined) deletes.push(keys.address(networkId, cidr.split('/')[0] as string));
      for (const p of record.ports ?? []) deletes.push(keys.hostPort(p.proto, p.hostPort));
      // The record goes, and with it the only knowledge that its veth is ours: the same
      // transaction remembers the link until it is deleted, so a crash cannot leak it.
      const puts = [{ key: keys.staleLink(record.hostIfname), value: { networkId, endpointId } }];
      return { result: record, txn: { compares: [{ key: entry.key, revision: entry.revision }], puts, deletes } };
    });
  }

  /** Host links of deleted endpoints that are still to be removed from the host. */
  async staleLinks(): Promise<string[]> {
    return (await this.store.list(keys.staleLinks())).map((e) => e.key.slice(keys.staleLinks().length));
  }

  async isStaleLink(name: string): Promise<boolean> {
    return (await this.store.get(keys.staleLink(name))) !== undefined;
  }

  /** The link is gone from the host. */
  async forgetStaleLink(name: string): Promise<void> {
    await this.store.txn({ deletes: [keys.staleLink(name)] });
  }

  async listPoolSlots(): Promise<PoolSlotRecord[]> {
    return (await this.store.list(keys.poolSlots())).map((e) => e.value as PoolSlotRecord);
  }

  /**
   * Reserves `count` new pool slots (veth names and OpenFlow port numbers) in one
   * transaction, before their veths exist: a crash after it leaves slots that the next
   * start finds without links and drops.
   */
  async addPoolSlots(count: number): Promise<PoolSlotRecord[]> {
    return this.commit<PoolSlotRecord[]>(async () => {
      const slots = (await this.freeOfports(randomInt(OFPORT_RANGE), count)).map((ofport): PoolSlotRecord => {
        const tag = randomBytes(6).toString('hex').slice(0, 11);
        return { hostIfname: `ovp${tag}`, containerIfname: `ovq${tag}`, ofport };
      });
      return {
        result: slots,
        txn: {
          compares: slots.flatMap((s) => [
            { key: keys.poolSlot(s.hostIfname), revision: 0 },
            { key: keys.ofport(s.ofport), revision: 0 },
          ]),
          puts: slots.flatMap((s) => [
            { key: keys.poolSlot(s.hostIfname), value: s },
            { key: keys.ofport(s.ofport), value: poolOwner(s.hostIfname) },
          ]),
        },
      };
    });
  }

  /** The stored entries of those of the named slots that still exist. */
  private async poolSlotEntries(names: string[]): Promise<KvEntry[]> {
    return (await Promise.all(names.map((n) => this.store.get(keys.poolSlot(n))))).filter((e) => e !== undefined);
  }

  /** The slots' veth pairs exist: their ports may go on the bridge. */
  async markPoolSlotsMade(names: string[]): Promise<void> {
    if (names.length === 0) return;
    await this.commit<void>(async () => {
      const entries = await this.poolSlotEntries(names);
      return {
        result: undefined,
        txn: {
          compares: entries.map((e) => ({ key: e.key, revision: e.revision })),
          puts: entries.map((e) => ({ key: e.key, value: { ...(e.value as PoolSlotRecord), made: true } })),
        },
      };
    });
  }

  /** Gives slots up: their ports leave the bridge, and their veths are recorded as stale links. */
  async dropPoolSlots(names: string[]): Promise<void> {
    if (names.length === 0) return;
    await this.commit<void>(async () => {
      const entries = await this.poolSlotEntries(names);
      if (entries.length === 0) return { done: undefined };
      const slots = entries.map((e) => e.value as PoolSlotRecord);
      return {
        result: undefined,
        txn: {
          compares: entries.map((e) => ({ key: e.key, revision: e.revision })),
          deletes: slots.flatMap((s) => [keys.poolSlot(s.hostIfname), keys.ofport(s.ofport)]),
          puts: slots.map((s) => ({ key: keys.staleLink(s.hostIfname), value: { pool: true } })),
        },
      };
    });
  }

  /**
   * Plugs an endpoint into a pool slot: the endpoint takes the slot's veth, port and port
   * number, the slot is gone, all in one transaction. Undefined when another join took the
   * slot first; the endpoint as it is when it was already plugged (a retried join).
   */
  async claimPoolSlot(
    networkId: string,
    endpointId: string,
    slotName: string,
    sandboxKey: string,
  ): Promise<EndpointRecord | undefined> {
    return this.commit<EndpointRecord | undefined>(async () => {
      const entry = await this.store.get(keys.endpoint(networkId, endpointId));
      if (!entry) throw notFound(`endpoint "${endpointId}" does not exist in network "${networkId}"`);
      const before = entry.value as EndpointRecord;
      if (before.plugged) return { done: before };
      const slotEntry = await this.store.get(keys.poolSlot(slotName));
      if (!slotEntry) return { done: undefined };
      const slot = slotEntry.value as PoolSlotRecord;
      if (!slot.made) return { done: undefined };
      const after: EndpointRecord = {
        ...before,
        hostIfname: slot.hostIfname,
        containerIfname: slot.containerIfname,
        ofport: slot.ofport,
        plugged: true,
        pooled: true,
        sandboxKey,
      };
      return {
        result: after,
        txn: {
          compares: [
            { key: entry.key, revision: entry.revision },
            { key: slotEntry.key, revision: slotEntry.revision },
          ],
          puts: [
            { key: entry.key, value: after },
            { key: keys.ofport(slot.ofport), value: endpointOwner(networkId, endpointId) },
          ],
          deletes: [slotEntry.key, keys.ofport(before.ofport)],
        },
      };
    });
  }

  async listRules(networkId?: string): Promise<AllowRule[]> {
    const rules = (await this.store.list(keys.rules())).map((e) => e.value as AllowRule);
    return networkId === undefined ? rules : rules.filter((r) => r.networkId === networkId);
  }

  /**
   * Adds an allow rule that punches through ICC off. The same rule twice is one rule:
   * its id is derived from its content.
   */
  async addRule(input: Omit<AllowRule, 'id'>): Promise<AllowRule> {
    const rule = validateRule(input);
    await this.requireNetwork(rule.networkId);
    return this.commit<AllowRule>(async () => {
      const existing = await this.store.get(keys.rule(rule.id));
      if (existing) return { done: existing.value as AllowRule };
      const net = await this.store.get(keys.network(rule.networkId));
      if (!net) throw notFound(`network "${rule.networkId}" does not exist`);
      return {
        result: rule,
        txn: {
          compares: [
            { key: keys.rule(rule.id), revision: 0 },
            { key: net.key, revision: net.revision },
          ],
          puts: [{ key: keys.rule(rule.id), value: rule }],
        },
      };
    });
  }

  /** Removes a rule by id; an absent rule is an error so typos do not pass silently. */
  async removeRule(id: string): Promise<void> {
    await this.commit<void>(async () => {
      const existing = await this.store.get(keys.rule(id));
      if (!existing) throw notFound(`allow rule "${id}" does not exist`);
      return {
        result: undefined,
        txn: { compares: [{ key: existing.key, revision: existing.revision }], deletes: [existing.key] },
      };
    });
  }

  /**
   * Publishes an endpoint's ports, replacing what it published before: "any" and ranges
   * become concrete host ports (see host-ports.ts), each held under an index key so two
   * endpoints never get the same one. Returns the bindings as published.
   */
  async publishPorts(
    networkId: string,
    endpointId: string,
    requested: PortBinding[],
    busyOnHost?: ReadonlySet<string>,
  ): Promise<PortBinding[]> {
    return this.commit<PortBinding[]>(async () => {
      const entry = await this.store.get(keys.endpoint(networkId, endpointId));
      if (!entry) throw notFound(`endpoint "${endpointId}" does not exist in network "${networkId}"`);
      const before = entry.value as EndpointRecord;
      const current = (before.ports ?? []) as PortBinding[];
      const held = new Map((await this.store.list(keys.hostPorts())).map((e) => [e.key, e]));
      const chosen = chooseHostPorts(
        endpointId,
        requested,
        current,
        (proto, port) => held.get(keys.hostPort(proto, port))?.value as string | undefined,
        (proto, port) => busyOnHost?.has(`${proto}/${port}`) ?? false,
      );
      if (JSON.stringify(chosen) === JSON.stringify(current)) return { done: current };
      const { ports: _old, ...rest } = before;
      void _old;
      const after: EndpointRecord = chosen.length > 0 ? { ...rest, ports: chosen } : rest;
      const wanted = new Set(chosen.map((p) => keys.hostPort(p.proto, p.hostPort)));
      const compares = [{ key: entry.key, revision: entry.revision }];
      const puts: Array<{ key: string; value: unknown }> = [{ key: entry.key, value: after }];
      for (const key of wanted) {
        const holder = held.get(key);
        if (holder?.value === endpointId) continue;
        compares.push({ key, revision: holder?.revision ?? 0 });
        puts.push({ key, value: endpointId });
      }
      const deletes = current
        .map((p) => keys.hostPort(p.proto, p.hostPort))
        .filter((key) => !wanted.has(key) && held.get(key)?.value === endpointId);
      return { result: chosen, txn: { compares, puts, deletes } };
    });
  }

  /** Updates fields of an existing endpoint (join/leave/ports). */
  async updateEndpoint(
    networkId: string,
    endpointId: string,
    change: (record: EndpointRecord) => EndpointRecord,
  ): Promise<EndpointRecord> {
    return this.commit<EndpointRecord>(async () => {
      const entry = await this.store.get(keys.endpoint(networkId, endpointId));
      if (!entry) throw notFound(`endpoint "${endpointId}" does not exist in network "${networkId}"`);
      const before = entry.value as EndpointRecord;
      const after = change(structuredClone(before));
      if (JSON.stringify(after) === JSON.stringify(before)) return { done: before };
      return {
        result: after,
        txn: { compares: [{ key: entry.key, revision: entry.revision }], puts: [{ key: entry.key, value: after }] },
      };
    });
  }
}

function sameSpec(stored: NetworkRecord, spec: NetworkSpec): boolean {
  const { key, tag, gatewayOfport, gatewayIfname, ...rest } = stored;
  void [key, tag, gatewayOfport, gatewayIfname];
  return JSON.stringify(normalise(rest)) === JSON.stringify(normalise(spec));
}

function normalise(spec: NetworkSpec): unknown {
  return Object.fromEntries(
    Object.entries(spec)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

function checkNoOverlap(spec: NetworkSpec, others: NetworkRecord[]): void {
  const mine = [...spec.ipv4, ...spec.ipv6].map((s) => parseCidr(s.pool));
  for (const other of others) {
    for (const subnet of [...other.ipv4, ...other.ipv6]) {
      const theirs = parseCidr(subnet.pool);
      const clash = mine.find((m) => overlaps(m, theirs));
      if (clash)
        throw conflict(`subnet ${clash.network}/${clash.prefix} overlaps ${subnet.pool} of network "${other.id}"`);
    }
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

export type { ParsedCidr };

const SELECTOR = /^[0-9A-Za-z][0-9A-Za-z_.:/-]{0,127}$/;

function validateRule(input: Omit<AllowRule, 'id'>): AllowRule {
  if (typeof input !== 'object' || input === null) throw invalid('rule must be an object');
  for (const side of ['from', 'to'] as const) {
    const value = input[side];
    if (typeof value !== 'string' || !SELECTOR.test(value)) {
      throw invalid(`rule "${side}" must be an endpoint id, container name or address, not "${String(value)}"`);
    }
    const looksLikeAddress = /^[0-9a-fA-F:.]+(\/\d+)?$/.test(value) && /[.:]/.test(value);
    if (looksLikeAddress && value.includes('/')) parseCidr(value, `rule "${side}"`);
    else if (looksLikeAddress) parseAddress(value, `rule "${side}"`);
  }
  if (input.proto !== undefined && !['tcp', 'udp', 'icmp'].includes(input.proto))
    throw invalid(`rule proto "${String(input.proto)}" must be tcp, udp or icmp`);
  if (input.port !== undefined) {
    if (input.proto !== 'tcp' && input.proto !== 'udp') throw invalid('rule port needs proto tcp or udp');
    if (!Number.isInteger(input.port) || input.port < 1 || input.port > 65535)
      throw invalid(`rule port ${String(input.port)} must be 1-65535`);
  }
  const rule: Omit<AllowRule, 'id'> = {
    networkId: input.networkId,
    from: input.from,
    to: input.to,
    ...(input.proto !== undefined ? { proto: input.proto } : {}),
    ...(input.port !== undefined ? { port: input.port } : {}),
  };
  const id = createHash('sha256').update(JSON.stringify(rule)).digest('hex').slice(0, 12);
  return { id, ...rule };
}
