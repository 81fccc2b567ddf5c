// The Open_vSwitch database as ovsnet uses it: a replica of the tables it needs, read
// through `view`, changed by the operations `ops` builds, and `waits` for ovs-vswitchd to
// realise those changes. This class adds only the I/O: it sends what the builder builds.
import type { OvsdbClient } from '../client';
import type { Operation, OperationResult } from '../protocol/operations';
import { DB, MONITORED, type VswitchReplica, type VswitchTables } from './model';
import { VswitchOperations } from './operations';
import type { BridgeSpec, PortSpec } from './types';
import { VswitchView } from './view';
import { VswitchWaits } from './waits';

export class Vswitch {
  readonly view: VswitchView;
  readonly ops: VswitchOperations;
  readonly waits: VswitchWaits;

  private constructor(
    readonly client: OvsdbClient,
    replica: VswitchReplica,
  ) {
    this.view = new VswitchView(replica);
    this.ops = new VswitchOperations(this.view);
    this.waits = new VswitchWaits(client, this.view);
  }

  static async open(client: OvsdbClient): Promise<Vswitch> {
    return new Vswitch(client, await client.monitor<VswitchTables>(DB, MONITORED));
  }

  /** Runs the operations as one transaction; none is no round trip at all. */
  async transact(ops: Operation[]): Promise<OperationResult[]> {
    if (ops.length === 0) return [];
    return this.client.transact(DB, ops);
  }

  /** Creates the bridge, or updates the settings that differ; one transaction either way. */
  async ensureBridge(spec: BridgeSpec): Promise<void> {
    await this.transact(this.ops.ensureBridge(spec));
  }

  /** Removes a bridge with its ports; absent is fine. */
  async deleteBridge(name: string): Promise<void> {
    await this.transact(this.ops.deleteBridge(name));
  }

  async addPorts(ports: readonly PortSpec[]): Promise<void> {
    await this.changePorts([], ports);
  }

  async removePorts(names: readonly string[]): Promise<void> {
    await this.changePorts(names, []);
  }

  /** Removes and adds ports in one transaction (removals first, so a name can be reused only in a later one). */
  async changePorts(remove: readonly string[], add: readonly PortSpec[]): Promise<void> {
    await this.transact(this.ops.changePorts(remove, add));
  }

  /** Sets an access VLAN tag on a port (ovs-docker set-vlan), returning once it applies. */
  async setPortTag(name: string, tag: number | undefined, timeoutMs = 30_000): Promise<void> {
    await this.transactApplied(this.ops.setPortTag(name, tag), timeoutMs);
  }

  /**
   * Runs the operations with a next_cfg bump and resolves once ovs-vswitchd has applied
   * them (cur_cfg caught up), which is what ovs-vsctl waits for before it returns.
   */
  async transactApplied(ops: Operation[], timeoutMs: number): Promise<OperationResult[]> {
    const results = await this.transact([...ops, this.ops.bumpNextCfg(), this.ops.selectNextCfg()]);
    await this.waits.waitCurCfg(this.ops.nextCfgOf(results.at(-1)), timeoutMs);
    return results.slice(0, ops.length);
  }

  /** next_cfg after a transaction that bumped it. */
  async bumpAndGetNextCfg(): Promise<number> {
    const results = await this.transact([this.ops.bumpNextCfg(), this.ops.selectNextCfg()]);
    return this.ops.nextCfgOf(results.at(-1));
  }
}
