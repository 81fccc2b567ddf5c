// BridgePortsBackend over the OVSDB client: ovsnet's ports are the interfaces carrying
// external_ids:ovsnet-owner; changes go out as one transaction per reconcile pass.
import type { Vswitch } from '../../ovsdb/vswitch/vswitch';
import type { PortSpec } from '../../ovsdb/vswitch/types';
import { OWNER_KEY, type PortIntent, type PortPlan } from './desired-ports';
import type { BridgePortsBackend, InterfaceStatus } from './ovs-dataplane';

/** Interface types ovsnet creates; any other type on an owned port counts as drift. */
const PORT_TYPES: ReadonlySet<string> = new Set(['internal', 'vxlan', 'gre']);

export class OvsdbPorts implements BridgePortsBackend {
  constructor(
    private readonly vswitch: Vswitch,
    private readonly bridge: string,
  ) {}

  ownedPorts(): PortIntent[] {
    const out: PortIntent[] = [];
    for (const port of this.vswitch.view.ports(this.bridge)) {
      const iface = port.interfaces[0];
      const owner = iface?.externalIds[OWNER_KEY];
      if (!iface || owner === undefined) continue;
      out.push({
        name: iface.name,
        type: PORT_TYPES.has(iface.type) ? (iface.type as PortIntent['type']) : '',
        ofportRequest: iface.ofportRequest ?? 0,
        owner,
      });
    }
    return out;
  }

  async apply(plan: PortPlan): Promise<void> {
    const specs: PortSpec[] = plan.add.map((p) => ({
      bridge: this.bridge,
      name: p.name,
      type: p.type,
      ofportRequest: p.ofportRequest,
      externalIds: { [OWNER_KEY]: p.owner, ...(p.externalIds ?? {}) },
      ...(p.mtu !== undefined ? { mtuRequest: p.mtu } : {}),
      ...(p.mac !== undefined ? { mac: p.mac } : {}),
      ...(p.options !== undefined ? { options: p.options } : {}),
    }));
    // Removals go first. A port being recreated (its settings drifted) is added back in a
    // second transaction: within one, its old name would still be taken.
    const removed = new Set(plan.remove);
    const fresh = specs.filter((s) => !removed.has(s.name));
    const recreated = specs.filter((s) => removed.has(s.name));
    await this.vswitch.changePorts(plan.remove, fresh);
    await this.vswitch.addPorts(recreated);
  }

  interfaceStatus(name: string): InterfaceStatus {
    const iface = this.vswitch.view.interface(name);
    if (!iface) return {};
    return {
      ...(iface.ofport !== undefined ? { ofport: iface.ofport } : {}),
      ...(iface.error !== undefined ? { error: iface.error } : {}),
    };
  }

  async waitRealised(name: string, timeoutMs: number): Promise<number> {
    const realised = await this.vswitch.waits.waitRealised([name], timeoutMs);
    return realised.get(name) as number;
  }

  switchBusy(): boolean {
    return this.vswitch.view.configPending();
  }

  onChange(listener: () => void): void {
    this.vswitch.view.onChange(listener);
  }
}
