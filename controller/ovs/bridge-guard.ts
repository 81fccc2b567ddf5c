// Keeps the integration bridge's own settings as ovsnet needs them: fail_mode=secure (no
// flow, no forwarding), OpenFlow 1.3, the chosen datapath, and no controller (ovsnet talks
// to the management socket; another controller could rewrite the flows). A bridge found
// at start is adopted and corrected, saying what was changed; drift later is repaired the
// moment the monitor reports it.
//
// Changing fail_mode or the controller makes ovs-vswitchd flush the flow table, and in
// standalone mode without a controller it adds a NORMAL flow that forwards everything.
// The repair therefore runs at once, and after ovs-vswitchd applied it the flow sync reads
// the table back and installs the pipeline again. Until then the secure, empty table drops
// everything: isolation holds, traffic waits (docs/design.md §12).
import type { Vswitch } from '../../ovsdb/vswitch/vswitch';
import type { VswitchRow } from '../../ovsdb/vswitch/model';
import type { BridgeSpec } from '../../ovsdb/vswitch/types';
import type { Logger } from '../log';

export function integrationBridge(name: string, datapathType: string): BridgeSpec {
  return { name, datapathType, failMode: 'secure', protocols: ['OpenFlow13'], noController: true };
}

/** What differs between the bridge and `spec`, one human line per column. */
export function bridgeDrift(row: VswitchRow<'Bridge'> | undefined, spec: BridgeSpec): string[] {
  if (!row) return ['the bridge was missing'];
  const drift: string[] = [];
  const shown = (value: string | undefined): string => (value === undefined || value === '' ? '(unset)' : value);
  if (spec.failMode !== undefined && row.fail_mode !== spec.failMode)
    drift.push(`fail_mode ${shown(row.fail_mode)} -> ${spec.failMode}`);
  const protocols = [...row.protocols].sort().join(',');
  if (spec.protocols !== undefined && protocols !== [...spec.protocols].sort().join(','))
    drift.push(`protocols ${shown(protocols)} -> ${spec.protocols.join(',')}`);
  if (spec.datapathType !== undefined && row.datapath_type !== spec.datapathType)
    drift.push(`datapath_type ${shown(row.datapath_type)} -> ${spec.datapathType}`);
  if (spec.noController && row.controller.length > 0) drift.push(`${row.controller.length} controller(s) removed`);
  return drift;
}

export class BridgeGuard {
  private repairing = false;
  private again = false;
  private stopped = false;

  constructor(
    private readonly vswitch: Vswitch,
    private readonly spec: BridgeSpec,
    private readonly logger: Logger,
    private readonly timeoutMs = 30_000,
  ) {}

  /** Creates the bridge, or corrects one found as it is; logs what was changed. */
  async adopt(): Promise<void> {
    const row = this.vswitch.view.bridge(this.spec.name);
    const drift = row ? bridgeDrift(row, this.spec) : [];
    await this.apply();
    if (row && drift.length > 0)
      this.logger.info(
        { bridge: this.spec.name, changed: drift },
        'adopted an existing bridge and corrected its settings',
      );
  }

  /** Repairs drift whenever the replica shows it; `repaired` runs once ovs-vswitchd applied a repair. */
  watch(repaired: () => void): void {
    this.vswitch.view.onChange(() => {
      if (this.stopped || bridgeDrift(this.vswitch.view.bridge(this.spec.name), this.spec).length === 0) return;
      if (this.repairing) {
        this.again = true;
        return;
      }
      void this.repair(repaired);
    });
  }

  stop(): void {
    this.stopped = true;
  }

  private async repair(repaired: () => void): Promise<void> {
    this.repairing = true;
    try {
      do {
        this.again = false;
        const drift = bridgeDrift(this.vswitch.view.bridge(this.spec.name), this.spec);
        if (drift.length === 0) break;
        this.logger.warn({ bridge: this.spec.name, changed: drift }, 'bridge settings drifted; restoring them');
        await this.apply();
        repaired();
      } while (this.again && !this.stopped);
    } catch (error) {
      // The OVSDB session is down or the bridge changed meanwhile: the next change retries.
      this.logger.warn({ err: error, bridge: this.spec.name }, 'could not restore the bridge settings; will retry');
    } finally {
      this.repairing = false;
    }
  }

  /** One transaction, waited for until ovs-vswitchd applied it. */
  private async apply(): Promise<void> {
    const ops = this.vswitch.ops.ensureBridge(this.spec);
    if (ops.length > 0) await this.vswitch.transactApplied(ops, this.timeoutMs);
  }
}
