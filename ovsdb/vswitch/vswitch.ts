// Open_vSwitch database helpers on top of the client and a replica of the tables they need:
// bridges, ports and interfaces created and removed in single transactions, lookups by
// name or external_ids through replica indexes, and waiting until ovs-vswitchd has realised
// a change (Interface.ofport assigned, or Interface.error reported, or cur_cfg caught up).
import type { OvsdbClient } from '../client';
import { OvsdbError } from '../protocol/errors';
import {
  asNamedUuid,
  map,
  namedUuid,
  optionalAtom,
  set,
  setElements,
  stringMap,
  uuid,
  uuidsOf,
  type Atom,
  type Uuid,
  type Value,
} from '../protocol/notation';
import { eq, insert, mutate, select, update, type Operation, type Row } from '../protocol/operations';
import type { Replica, Row as ReplicaRow } from '../replica/replica';
import type { BridgeSpec, InterfaceInfo, PortInfo, PortSpec } from './types';

export const DB = 'Open_vSwitch';

export const MONITORED = {
  Open_vSwitch: { columns: ['bridges', 'next_cfg', 'cur_cfg'] },
  Bridge: { columns: ['name', 'ports', 'datapath_type', 'fail_mode', 'protocols', 'other_config', 'external_ids'] },
  Port: { columns: ['name', 'interfaces', 'external_ids', 'tag'] },
  Interface: {
    columns: ['name', 'type', 'ofport', 'ofport_request', 'error', 'external_ids', 'options', 'mtu_request', 'mac'],
  },
};

export class Vswitch {
  /** Pending waits, ended when the client closes. */
  private readonly onClientClosed = new Set<() => void>();

  private constructor(
    readonly client: OvsdbClient,
    readonly replica: Replica,
  ) {
    client.on('state', (state) => {
      if (state === 'closed') for (const end of [...this.onClientClosed]) end();
    });
    replica.createIndex('bridge-by-name', 'Bridge', (r) => String(r['name']));
    replica.createIndex('port-by-name', 'Port', (r) => String(r['name']));
    replica.createIndex('interface-by-name', 'Interface', (r) => String(r['name']));
  }

  static async open(client: OvsdbClient): Promise<Vswitch> {
    const replica = await client.monitor(DB, MONITORED);
    return new Vswitch(client, replica);
  }

  /** Indexes interfaces by one external_ids key (e.g. "ovsnet-owner" or "container_id"). */
  indexInterfacesByExternalId(key: string): string {
    const name = `interface-by-external-id:${key}`;
    this.replica.createIndex(name, 'Interface', (r) => stringMap(r['external_ids'])[key]);
    return name;
  }

  private root(): ReplicaRow | undefined {
    return this.replica.rows('Open_vSwitch').next().value as ReplicaRow | undefined;
  }

  private rootUuid(): Uuid {
    const root = this.root();
    if (!root) throw new OvsdbError('ROW_NOT_FOUND', 'the Open_vSwitch table has no row (run ovs-vsctl init)');
    return root._uuid[1];
  }

  bridge(name: string): ReplicaRow | undefined {
    return this.replica.lookupOne('bridge-by-name', name);
  }

  /** Creates the bridge, or updates the settings that differ; one transaction either way. */
  async ensureBridge(spec: BridgeSpec): Promise<void> {
    const existing = this.bridge(spec.name);
    const settings: Row = {};
    if (spec.datapathType !== undefined) settings['datapath_type'] = spec.datapathType;
    if (spec.failMode !== undefined) settings['fail_mode'] = spec.failMode;
    if (spec.protocols !== undefined) settings['protocols'] = set(spec.protocols);
    if (spec.otherConfig !== undefined) settings['other_config'] = map(spec.otherConfig);
    if (spec.externalIds !== undefined) settings['external_ids'] = map(spec.externalIds);
    if (existing) {
      const changed: Row = {};
      for (const [column, value] of Object.entries(settings)) {
        if (!sameValue(existing[column], value)) changed[column] = value;
      }
      if (Object.keys(changed).length === 0) return;
      await this.transact([
        update('Bridge', [eq('_uuid', uuid(existing._uuid[1]))], changed),
        bumpNextCfg(this.rootUuid()),
      ]);
      return;
    }
    const iface = asNamedUuid('brif');
    const port = asNamedUuid('brport');
    const bridge = asNamedUuid('br');
    await this.transact([
      insert('Interface', { name: spec.name, type: 'internal' }, iface),
      insert('Port', { name: spec.name, interfaces: namedUuid(iface) }, port),
      insert('Bridge', { name: spec.name, ports: namedUuid(port), ...settings }, bridge),
      mutate('Open_vSwitch', [eq('_uuid', uuid(this.rootUuid()))], [['bridges', 'insert', set([namedUuid(bridge)])]]),
      bumpNextCfg(this.rootUuid()),
    ]);
  }

  /** Removes a bridge with its ports; absent is fine. */
  async deleteBridge(name: string): Promise<void> {
    const existing = this.bridge(name);
    if (!existing) return;
    await this.transact([
      mutate(
        'Open_vSwitch',
        [eq('_uuid', uuid(this.rootUuid()))],
        [['bridges', 'delete', set([uuid(existing._uuid[1])])]],
      ),
      bumpNextCfg(this.rootUuid()),
    ]);
  }

  /** Throws the reason a port cannot be added, as the server would refuse it. */
  checkAddPort(spec: PortSpec): void {
    if (!this.bridge(spec.bridge)) throw new OvsdbError('ROW_NOT_FOUND', `bridge "${spec.bridge}" does not exist`);
    if (this.replica.lookupOne('port-by-name', spec.name) || this.replica.lookupOne('interface-by-name', spec.name)) {
      throw new OvsdbError('ROW_EXISTS', `a port named "${spec.name}" already exists`);
    }
  }

  /** Operations that add the ports (grouped per bridge); for batching into one transaction. */
  addPortsOperations(ports: readonly PortSpec[]): Operation[] {
    const ops: Operation[] = [];
    const byBridge = new Map<string, Atom[]>();
    const names = new Set<string>();
    ports.forEach((spec, i) => {
      this.checkAddPort(spec);
      if (names.has(spec.name)) throw new OvsdbError('INVALID_ARGUMENT', `port "${spec.name}" is requested twice`);
      names.add(spec.name);
      const ifaceName = asNamedUuid(`if${i}`);
      const portName = asNamedUuid(`port${i}`);
      const iface: Row = { name: spec.name, type: spec.type ?? '' };
      if (spec.options) iface['options'] = map(spec.options);
      if (spec.ofportRequest !== undefined) iface['ofport_request'] = spec.ofportRequest;
      if (spec.externalIds) iface['external_ids'] = map(spec.externalIds);
      if (spec.mtuRequest !== undefined) iface['mtu_request'] = spec.mtuRequest;
      if (spec.mac !== undefined) iface['mac'] = spec.mac;
      const port: Row = { name: spec.name, interfaces: namedUuid(ifaceName) };
      if (spec.portExternalIds) port['external_ids'] = map(spec.portExternalIds);
      if (spec.tag !== undefined) port['tag'] = spec.tag;
      ops.push(insert('Interface', iface, ifaceName), insert('Port', port, portName));
      const list = byBridge.get(spec.bridge) ?? [];
      list.push(namedUuid(portName));
      byBridge.set(spec.bridge, list);
    });
    for (const [bridgeName, refs] of byBridge) {
      const bridge = this.bridge(bridgeName) as ReplicaRow;
      ops.push(mutate('Bridge', [eq('_uuid', uuid(bridge._uuid[1]))], [['ports', 'insert', set(refs)]]));
    }
    return ops;
  }

  /** Operations that remove ports by name (unknown names are skipped). */
  removePortsOperations(names: readonly string[]): Operation[] {
    const byBridge = new Map<Uuid, Atom[]>();
    for (const name of names) {
      const port = this.replica.lookupOne('port-by-name', name);
      if (!port) continue;
      for (const bridge of this.replica.rows('Bridge')) {
        if (uuidsOf(bridge['ports']).includes(port._uuid[1])) {
          const list = byBridge.get(bridge._uuid[1]) ?? [];
          list.push(uuid(port._uuid[1]));
          byBridge.set(bridge._uuid[1], list);
        }
      }
    }
    return [...byBridge].map(([bridge, refs]) =>
      mutate('Bridge', [eq('_uuid', uuid(bridge))], [['ports', 'delete', set(refs)]]),
    );
  }

  async addPorts(ports: readonly PortSpec[]): Promise<void> {
    await this.changePorts([], ports);
  }

  async removePorts(names: readonly string[]): Promise<void> {
    await this.changePorts(names, []);
  }

  /** Removes and adds ports in one transaction (removals first, so a name can be reused only in a later one). */
  async changePorts(remove: readonly string[], add: readonly PortSpec[]): Promise<void> {
    const ops = [...this.removePortsOperations(remove), ...this.addPortsOperations(add)];
    if (ops.length === 0) return;
    await this.transact([...ops, bumpNextCfg(this.rootUuid())]);
  }

  /** ovs-vswitchd has not yet applied the last committed configuration (cur_cfg < next_cfg). */
  configPending(): boolean {
    const root = this.root();
    return root !== undefined && Number(root['cur_cfg'] ?? 0) < Number(root['next_cfg'] ?? 0);
  }

  /** Sets an access VLAN tag on a port (ovs-docker set-vlan), returning once it applies. */
  async setPortTag(name: string, tag: number | undefined, timeoutMs = 30_000): Promise<void> {
    const port = this.replica.lookupOne('port-by-name', name);
    if (!port) throw new OvsdbError('ROW_NOT_FOUND', `no port named "${name}"`);
    await this.transactApplied(
      [update('Port', [eq('_uuid', uuid(port._uuid[1]))], { tag: tag === undefined ? set([]) : tag })],
      timeoutMs,
    );
  }

  async transact(ops: Operation[]): Promise<unknown[]> {
    return this.client.transact(DB, ops);
  }

  interface(name: string): InterfaceInfo | undefined {
    const row = this.replica.lookupOne('interface-by-name', name);
    return row ? interfaceInfo(row) : undefined;
  }

  port(name: string): PortInfo | undefined {
    const row = this.replica.lookupOne('port-by-name', name);
    if (!row) return undefined;
    return this.portInfo(row);
  }

  ports(bridgeName?: string): PortInfo[] {
    const bridge = bridgeName === undefined ? undefined : this.bridge(bridgeName);
    if (bridgeName !== undefined && !bridge) return [];
    const allowed = bridge ? new Set(uuidsOf(bridge['ports'])) : undefined;
    const out: PortInfo[] = [];
    // Ports of a named bridge are listed by that bridge, not searched for among all bridges.
    const known = bridge ? String(bridge['name']) : undefined;
    for (const row of this.replica.rows('Port'))
      if (!allowed || allowed.has(row._uuid[1])) out.push(this.portInfo(row, known));
    return out;
  }

  /** Interfaces whose external_ids[key] equals value (needs indexInterfacesByExternalId). */
  interfacesByExternalId(key: string, value: string): InterfaceInfo[] {
    return this.replica.lookup(`interface-by-external-id:${key}`, value).map(interfaceInfo);
  }

  private portInfo(row: ReplicaRow, knownBridge?: string): PortInfo {
    let bridgeName = knownBridge;
    if (bridgeName === undefined) {
      for (const bridge of this.replica.rows('Bridge'))
        if (uuidsOf(bridge['ports']).includes(row._uuid[1])) bridgeName = String(bridge['name']);
    }
    const tag = optionalAtom(row['tag']);
    return {
      name: String(row['name']),
      ...(bridgeName !== undefined ? { bridge: bridgeName } : {}),
      ...(typeof tag === 'number' ? { tag } : {}),
      externalIds: stringMap(row['external_ids']),
      interfaces: uuidsOf(row['interfaces'])
        .map((u) => this.replica.get('Interface', u))
        .filter((r): r is ReplicaRow => r !== undefined)
        .map(interfaceInfo),
    };
  }

  /**
   * Resolves when every named interface has an ofport (> 0); rejects with the interface's
   * error when OVS reports one (ofport -1 or Interface.error), or after timeoutMs.
   */
  waitRealised(names: readonly string[], timeoutMs: number): Promise<Map<string, number>> {
    return this.waitForReplica(
      timeoutMs,
      () => {
        const result = new Map<string, number>();
        for (const name of names) {
          const info = this.interface(name);
          if (info?.error) throw new OvsdbError('REALISATION_FAILED', `interface ${name} failed: ${info.error}`);
          if (info?.ofport === -1)
            throw new OvsdbError('REALISATION_FAILED', `interface ${name} could not be opened (ofport -1)`);
          if (!info || info.ofport === undefined || info.ofport <= 0) return undefined;
          result.set(name, info.ofport);
        }
        return result;
      },
      () => {
        const missing = names.filter((n) => !(this.interface(n)?.ofport ?? 0));
        return `ovs-vswitchd did not realise ${missing.join(', ')} within ${timeoutMs} ms`;
      },
    );
  }

  /** Resolves when cur_cfg >= target (ovs-vswitchd applied every change up to target). */
  async waitCurCfg(target: number, timeoutMs: number): Promise<void> {
    await this.waitForReplica(
      timeoutMs,
      () => (Number(this.root()?.['cur_cfg'] ?? 0) >= target ? true : undefined),
      () => `ovs-vswitchd did not reach configuration ${target} within ${timeoutMs} ms`,
    );
  }

  /**
   * Evaluates `outcome` now and on every replica change until it returns a value or throws.
   * A closed client ends the wait at once: its replica will never change again, and a
   * pending timer would keep an embedding process alive long after it stopped us.
   */
  private waitForReplica<T>(timeoutMs: number, outcome: () => T | undefined, timeoutMessage: () => string): Promise<T> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (): void => {
        settled = true;
        clearTimeout(timer);
        this.replica.off('change', evaluate);
        this.onClientClosed.delete(closed);
      };
      const evaluate = (): void => {
        try {
          const value = outcome();
          if (value === undefined) return;
          finish();
          resolve(value);
        } catch (error) {
          finish();
          reject(error);
        }
      };
      const closed = (): void => {
        finish();
        reject(new OvsdbError('CONNECTION_CLOSED', 'the client was closed while waiting for ovs-vswitchd'));
      };
      const timer = setTimeout(() => {
        finish();
        reject(new OvsdbError('REQUEST_TIMEOUT', timeoutMessage()));
      }, timeoutMs);
      // What the replica already shows holds even after a close; only waiting ends.
      evaluate();
      if (settled) return;
      if (this.client.state === 'closed') return closed();
      this.replica.on('change', evaluate);
      this.onClientClosed.add(closed);
    });
  }

  /**
   * Runs the operations with a next_cfg bump and resolves once ovs-vswitchd has applied
   * them (cur_cfg caught up), which is what ovs-vsctl waits for before it returns.
   */
  async transactApplied(ops: Operation[], timeoutMs: number): Promise<unknown[]> {
    const root = this.rootUuid();
    const results = await this.transact([
      ...ops,
      bumpNextCfg(root),
      select('Open_vSwitch', [eq('_uuid', uuid(root))], ['next_cfg']),
    ]);
    const rows = (results[results.length - 1] as { rows: Array<{ next_cfg: number }> }).rows;
    await this.waitCurCfg(rows[0]?.next_cfg ?? 0, timeoutMs);
    return results.slice(0, ops.length);
  }

  /** next_cfg after a transaction that bumped it (select it in the same transaction). */
  async bumpAndGetNextCfg(): Promise<number> {
    const root = this.rootUuid();
    const results = await this.transact([
      bumpNextCfg(root),
      select('Open_vSwitch', [eq('_uuid', uuid(root))], ['next_cfg']),
    ]);
    const rows = (results[1] as { rows: Array<{ next_cfg: number }> }).rows;
    return rows[0]?.next_cfg ?? 0;
  }
}

export function bumpNextCfg(root: Uuid): Operation {
  return mutate('Open_vSwitch', [eq('_uuid', uuid(root))], [['next_cfg', '+=', 1]]);
}

export function interfaceInfo(row: ReplicaRow): InterfaceInfo {
  const ofport = optionalAtom(row['ofport']);
  const error = optionalAtom(row['error']);
  const request = optionalAtom(row['ofport_request']);
  return {
    name: String(row['name']),
    type: String(row['type'] ?? ''),
    ...(typeof ofport === 'number' ? { ofport } : {}),
    ...(typeof error === 'string' && error !== '' ? { error } : {}),
    ...(typeof request === 'number' ? { ofportRequest: request } : {}),
    externalIds: stringMap(row['external_ids']),
    options: stringMap(row['options']),
  };
}

function canonicalValue(value: Value | undefined): string {
  if (value === undefined) return 'undefined';
  if (Array.isArray(value) && value[0] === 'set')
    return JSON.stringify([...setElements(value)].map((a) => JSON.stringify(a)).sort());
  if (Array.isArray(value) && value[0] === 'map')
    return JSON.stringify((value[1] as Array<[Atom, Atom]>).map((e) => JSON.stringify(e)).sort());
  const elements = setElements(value);
  return elements.length === 1 && !Array.isArray(value)
    ? JSON.stringify([JSON.stringify(value)])
    : JSON.stringify(value);
}

function sameValue(a: Value | undefined, b: Value): boolean {
  return canonicalValue(a) === canonicalValue(b);
}
