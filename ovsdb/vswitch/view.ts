// Reads of the Open_vSwitch replica: the root row and its cur_cfg/next_cfg, bridges, ports
// with their bridge and interfaces, interfaces by name or by external_ids. Queries only:
// rows were decoded when their updates arrived, so a read costs an index lookup.
import { OvsdbError } from '../protocol/errors';
import type { Uuid } from '../protocol/notation';
import {
  BRIDGE_BY_NAME,
  INTERFACE_BY_NAME,
  PORT_BY_NAME,
  interfaceByExternalId,
  type InterfaceIndex,
  type VswitchReplica,
  type VswitchRow,
} from './model';
import type { InterfaceInfo, PortInfo } from './types';

export class VswitchView {
  private readonly externalIdIndexes = new Map<string, InterfaceIndex>();

  constructor(readonly replica: VswitchReplica) {
    replica.createIndex(BRIDGE_BY_NAME);
    replica.createIndex(PORT_BY_NAME);
    replica.createIndex(INTERFACE_BY_NAME);
  }

  /** Indexes interfaces by one external_ids key (e.g. "ovsnet-owner" or "container_id"); once per key. */
  indexInterfacesByExternalId(key: string): InterfaceIndex {
    let index = this.externalIdIndexes.get(key);
    if (!index) {
      index = interfaceByExternalId(key);
      this.replica.createIndex(index);
      this.externalIdIndexes.set(key, index);
    }
    return index;
  }

  /** The Open_vSwitch table's one row, once the replica has it. */
  root(): VswitchRow<'Open_vSwitch'> | undefined {
    for (const row of this.replica.rows('Open_vSwitch')) return row;
    return undefined;
  }

  rootUuid(): Uuid {
    const root = this.root();
    if (!root) throw new OvsdbError('ROW_NOT_FOUND', 'the Open_vSwitch table has no row (run ovs-vsctl init)');
    return root._uuid;
  }

  /** The configuration ovs-vswitchd has applied (cur_cfg). */
  curCfg(): number {
    return this.root()?.cur_cfg ?? 0;
  }

  /** The configuration last committed (next_cfg). */
  nextCfg(): number {
    return this.root()?.next_cfg ?? 0;
  }

  /** ovs-vswitchd has not yet applied the last committed configuration (cur_cfg < next_cfg). */
  configPending(): boolean {
    return this.root() !== undefined && this.curCfg() < this.nextCfg();
  }

  bridge(name: string): VswitchRow<'Bridge'> | undefined {
    return this.replica.lookupOne(BRIDGE_BY_NAME, name);
  }

  portRow(name: string): VswitchRow<'Port'> | undefined {
    return this.replica.lookupOne(PORT_BY_NAME, name);
  }

  interfaceRow(name: string): VswitchRow<'Interface'> | undefined {
    return this.replica.lookupOne(INTERFACE_BY_NAME, name);
  }

  /** Bridges whose `ports` hold the port (normally one). */
  bridgesOf(port: Uuid): Array<VswitchRow<'Bridge'>> {
    const out: Array<VswitchRow<'Bridge'>> = [];
    for (const bridge of this.replica.rows('Bridge')) if (bridge.ports.includes(port)) out.push(bridge);
    return out;
  }

  interface(name: string): InterfaceInfo | undefined {
    const row = this.interfaceRow(name);
    return row ? interfaceInfo(row) : undefined;
  }

  port(name: string): PortInfo | undefined {
    const row = this.portRow(name);
    return row ? this.portInfo(row) : undefined;
  }

  /** Ports of one bridge, or of all bridges. */
  ports(bridgeName?: string): PortInfo[] {
    const out: PortInfo[] = [];
    if (bridgeName === undefined) {
      for (const row of this.replica.rows('Port')) out.push(this.portInfo(row));
      return out;
    }
    const bridge = this.bridge(bridgeName);
    if (!bridge) return [];
    // Ports of a named bridge are listed by that bridge, not searched for among all bridges.
    const ports = new Set(bridge.ports);
    for (const row of this.replica.rows('Port')) if (ports.has(row._uuid)) out.push(this.portInfo(row, bridge.name));
    return out;
  }

  /** Interfaces whose external_ids[key] equals value (needs indexInterfacesByExternalId). */
  interfacesByExternalId(key: string, value: string): InterfaceInfo[] {
    const index = this.externalIdIndexes.get(key);
    if (!index) throw new Error(`interfaces are not indexed by external_ids:${key}`);
    return this.replica.lookup(index, value).map(interfaceInfo);
  }

  /** Calls `listener` after every change the replica applies. */
  onChange(listener: () => void): void {
    this.replica.on('change', listener);
  }

  private portInfo(row: VswitchRow<'Port'>, knownBridge?: string): PortInfo {
    const bridgeName = knownBridge ?? this.bridgesOf(row._uuid)[0]?.name;
    const interfaces: InterfaceInfo[] = [];
    for (const uuid of row.interfaces) {
      const iface = this.replica.get('Interface', uuid);
      if (iface) interfaces.push(interfaceInfo(iface));
    }
    return {
      name: row.name,
      ...(bridgeName !== undefined ? { bridge: bridgeName } : {}),
      ...(row.tag !== undefined ? { tag: row.tag } : {}),
      externalIds: row.external_ids,
      interfaces,
    };
  }
}

export function interfaceInfo(row: VswitchRow<'Interface'>): InterfaceInfo {
  return {
    name: row.name,
    type: row.type,
    ...(row.ofport !== undefined ? { ofport: row.ofport } : {}),
    ...(row.error !== undefined && row.error !== '' ? { error: row.error } : {}),
    ...(row.ofport_request !== undefined ? { ofportRequest: row.ofport_request } : {}),
    externalIds: row.external_ids,
    options: row.options,
  };
}
