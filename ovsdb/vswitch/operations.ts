// Open_vSwitch changes as operation values, built against what the replica shows; sending
// them is the caller's business, so nothing here does I/O. A whole change (ensureBridge,
// deleteBridge, changePorts) ends with a next_cfg bump, which makes ovs-vswitchd report in
// cur_cfg when it has applied it; the parts (addPorts, removePorts, setPortTag) carry none,
// so several can share one transaction and one bump.
import { OvsdbError } from '../protocol/errors';
import { asNamedUuid, map, namedUuid, set, uuid, type Atom, type NamedUuid, type Uuid } from '../protocol/notation';
import {
  eq,
  insert,
  mutate,
  select,
  update,
  type Condition,
  type Operation,
  type OperationResult,
  type Row,
} from '../protocol/operations';
import { decodeRow } from '../schema/decode';
import type { VswitchRow } from './model';
import type { BridgeSpec, PortSpec } from './types';
import type { VswitchView } from './view';

export class VswitchOperations {
  constructor(private readonly view: VswitchView) {}

  /** Asks ovs-vswitchd to report, through cur_cfg, once it has applied this transaction. */
  bumpNextCfg(): Operation {
    return mutate('Open_vSwitch', this.atRoot(), [['next_cfg', '+=', 1]]);
  }

  /** Reads next_cfg back in the same transaction (after a bump: the value to wait for). */
  selectNextCfg(): Operation {
    return select('Open_vSwitch', this.atRoot(), ['next_cfg']);
  }

  /** The next_cfg a selectNextCfg() operation answered. */
  nextCfgOf(result: OperationResult | undefined): number {
    const table = this.view.replica.schema.tables.get('Open_vSwitch');
    const [row] = (result?.rows ?? []).map((r) => decodeRow<Pick<VswitchRow<'Open_vSwitch'>, 'next_cfg'>>(table, r));
    return row?.next_cfg ?? 0;
  }

  /** Creates the bridge, or updates the settings that differ; none when it is as asked. */
  ensureBridge(spec: BridgeSpec): Operation[] {
    const existing = this.view.bridge(spec.name);
    if (existing) {
      const changed = bridgeSettings(bridgeChanges(existing, spec));
      if (Object.keys(changed).length === 0) return [];
      return [update('Bridge', [eq('_uuid', uuid(existing._uuid))], changed), this.bumpNextCfg()];
    }
    const iface = asNamedUuid('brif');
    const port = asNamedUuid('brport');
    const bridge = asNamedUuid('br');
    return [
      insert('Interface', { name: spec.name, type: 'internal' }, iface),
      insert('Port', { name: spec.name, interfaces: namedUuid(iface) }, port),
      insert('Bridge', { name: spec.name, ports: namedUuid(port), ...bridgeSettings(spec) }, bridge),
      mutate('Open_vSwitch', this.atRoot(), [['bridges', 'insert', set([namedUuid(bridge)])]]),
      this.bumpNextCfg(),
    ];
  }

  /** Removes a bridge with its ports; none when it is absent. */
  deleteBridge(name: string): Operation[] {
    const existing = this.view.bridge(name);
    if (!existing) return [];
    return [
      mutate('Open_vSwitch', this.atRoot(), [['bridges', 'delete', set([uuid(existing._uuid)])]]),
      this.bumpNextCfg(),
    ];
  }

  /** Throws the reason a port cannot be added, as the server would refuse it. */
  checkAddPort(spec: PortSpec): void {
    this.bridgeToAddTo(spec);
  }

  /** Adds the ports (grouped per bridge); no bump, for batching into one transaction. */
  addPorts(ports: readonly PortSpec[]): Operation[] {
    const ops: Operation[] = [];
    const byBridge = new Map<Uuid, Atom[]>();
    const names = new Set<string>();
    ports.forEach((spec, i) => {
      if (names.has(spec.name)) throw new OvsdbError('INVALID_ARGUMENT', `port "${spec.name}" is requested twice`);
      names.add(spec.name);
      const ifaceName = asNamedUuid(`if${i}`);
      const portName = asNamedUuid(`port${i}`);
      ops.push(insert('Interface', interfaceRow(spec), ifaceName), insert('Port', portRow(spec, ifaceName), portName));
      const bridge = this.bridgeToAddTo(spec)._uuid;
      const list = byBridge.get(bridge) ?? [];
      list.push(namedUuid(portName));
      byBridge.set(bridge, list);
    });
    for (const [bridge, refs] of byBridge)
      ops.push(mutate('Bridge', [eq('_uuid', uuid(bridge))], [['ports', 'insert', set(refs)]]));
    return ops;
  }

  /** Removes ports by name (unknown names are skipped); no bump. */
  removePorts(names: readonly string[]): Operation[] {
    const byBridge = new Map<Uuid, Atom[]>();
    for (const name of names) {
      const port = this.view.portRow(name);
      if (!port) continue;
      for (const bridge of this.view.bridgesOf(port._uuid)) {
        const list = byBridge.get(bridge._uuid) ?? [];
        list.push(uuid(port._uuid));
        byBridge.set(bridge._uuid, list);
      }
    }
    return [...byBridge].map(([bridge, refs]) =>
      mutate('Bridge', [eq('_uuid', uuid(bridge))], [['ports', 'delete', set(refs)]]),
    );
  }

  /** Removes and adds ports in one transaction (removals first: a name can be reused only in a later one). */
  changePorts(remove: readonly string[], add: readonly PortSpec[]): Operation[] {
    const ops = [...this.removePorts(remove), ...this.addPorts(add)];
    return ops.length === 0 ? [] : [...ops, this.bumpNextCfg()];
  }

  /** Sets, or with undefined clears, a port's access VLAN tag (ovs-docker set-vlan); no bump. */
  setPortTag(name: string, tag: number | undefined): Operation[] {
    const port = this.view.portRow(name);
    if (!port) throw new OvsdbError('ROW_NOT_FOUND', `no port named "${name}"`);
    return [update('Port', [eq('_uuid', uuid(port._uuid))], { tag: tag === undefined ? set([]) : tag })];
  }

  /** The bridge the port goes on, or the reason it cannot be added. */
  private bridgeToAddTo(spec: PortSpec): VswitchRow<'Bridge'> {
    const bridge = this.view.bridge(spec.bridge);
    if (!bridge) throw new OvsdbError('ROW_NOT_FOUND', `bridge "${spec.bridge}" does not exist`);
    if (this.view.portRow(spec.name) || this.view.interfaceRow(spec.name)) {
      throw new OvsdbError('ROW_EXISTS', `a port named "${spec.name}" already exists`);
    }
    return bridge;
  }

  private atRoot(): Condition[] {
    return [eq('_uuid', uuid(this.view.rootUuid()))];
  }
}

function interfaceRow(spec: PortSpec): Row {
  return {
    name: spec.name,
    type: spec.type ?? '',
    ...(spec.options ? { options: map(spec.options) } : {}),
    ...(spec.ofportRequest !== undefined ? { ofport_request: spec.ofportRequest } : {}),
    ...(spec.externalIds ? { external_ids: map(spec.externalIds) } : {}),
    ...(spec.mtuRequest !== undefined ? { mtu_request: spec.mtuRequest } : {}),
    ...(spec.mac !== undefined ? { mac: spec.mac } : {}),
  };
}

function portRow(spec: PortSpec, iface: NamedUuid): Row {
  return {
    name: spec.name,
    interfaces: namedUuid(iface),
    ...(spec.portExternalIds ? { external_ids: map(spec.portExternalIds) } : {}),
    ...(spec.tag !== undefined ? { tag: spec.tag } : {}),
  };
}

/** The columns a new bridge gets from its spec, in wire notation. */
function bridgeSettings(spec: BridgeSpec): Row {
  return {
    ...(spec.datapathType !== undefined ? { datapath_type: spec.datapathType } : {}),
    ...(spec.failMode !== undefined ? { fail_mode: spec.failMode } : {}),
    ...(spec.protocols !== undefined ? { protocols: set(spec.protocols) } : {}),
    ...(spec.noController ? { controller: set([]) } : {}),
    ...(spec.otherConfig !== undefined ? { other_config: map(spec.otherConfig) } : {}),
    ...(spec.externalIds !== undefined ? { external_ids: map(spec.externalIds) } : {}),
  };
}

/** The settings of `spec` that the existing bridge does not already have. */
export function bridgeChanges(existing: VswitchRow<'Bridge'>, spec: BridgeSpec): BridgeSpec {
  const { datapathType, failMode, protocols, noController, otherConfig, externalIds } = spec;
  return {
    name: spec.name,
    ...(datapathType !== undefined && datapathType !== existing.datapath_type ? { datapathType } : {}),
    ...(failMode !== undefined && failMode !== existing.fail_mode ? { failMode } : {}),
    ...(protocols !== undefined && !sameSet(protocols, existing.protocols) ? { protocols } : {}),
    ...(noController && existing.controller.length > 0 ? { noController } : {}),
    ...(otherConfig !== undefined && !sameRecord(otherConfig, existing.other_config) ? { otherConfig } : {}),
    ...(externalIds !== undefined && !sameRecord(externalIds, existing.external_ids) ? { externalIds } : {}),
  };
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((x) => right.has(x));
}

function sameRecord(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}
