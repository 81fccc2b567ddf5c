// Which of a pass's port changes repair drift (someone deleted or changed an ovsnet port by
// hand) rather than follow new state: a port counts only when ovsnet had already put it on
// the bridge exactly as it still wants it, and the bridge no longer holds it so. A port
// added for a new endpoint, recreated because ovsnet changed its mind, or removed with its
// endpoint is never a repair. Pure bookkeeping, so the rules are tested without a switch.
import { samePort, type PortIntent, type PortPlan } from './desired-ports';

export interface PortRepairs {
  /** Ports that had vanished from the bridge, added back. */
  added: number;
  /** Ports whose type, OpenFlow number or owner had been changed, recreated. */
  modified: number;
}

export class PortDrift {
  /** Ports as ovsnet last left (or meant to leave) them on the bridge. */
  private readonly placed = new Map<string, PortIntent>();

  /**
   * Called once `applied` (part or all of what planPorts proposed from `desired` and
   * `actual`) is on the bridge: counts the repairs among it and remembers what is placed.
   */
  applied(desired: readonly PortIntent[], actual: readonly PortIntent[], applied: PortPlan): PortRepairs {
    const repairs: PortRepairs = { added: 0, modified: 0 };
    const now = new Map(actual.map((p) => [p.name, p]));
    for (const port of applied.add) {
      const before = this.placed.get(port.name);
      if (!before || !samePort(before, port)) continue;
      if (now.has(port.name)) repairs.modified++;
      else repairs.added++;
    }
    const added = new Set(applied.add.map((p) => p.name));
    const wanted = new Set<string>();
    for (const port of desired) {
      wanted.add(port.name);
      const there = now.get(port.name);
      const onBridge = added.has(port.name) || (there !== undefined && samePort(there, port));
      const before = this.placed.get(port.name);
      // A repair held back (port admission) is still owed: it counts when it is made.
      const owed = before !== undefined && samePort(before, port);
      if (onBridge) this.placed.set(port.name, port);
      else if (!owed) this.placed.delete(port.name);
    }
    for (const name of [...this.placed.keys()]) if (!wanted.has(name)) this.placed.delete(name);
    return repairs;
  }
}
