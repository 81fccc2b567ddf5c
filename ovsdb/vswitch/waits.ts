// Waiting until ovs-vswitchd has realised a change, as the replica shows it: interfaces with
// an ofport (or an error), or cur_cfg caught up with a next_cfg. A wait ends at once with
// CONNECTION_CLOSED when the client closes - its replica will never change again, and a
// pending timer would keep an embedding process alive long after it stopped us - but what
// the replica already shows holds even after a close.
import type { OvsdbClient } from '../client';
import { OvsdbError } from '../protocol/errors';
import type { VswitchView } from './view';

export class VswitchWaits {
  /** Pending waits, ended when the client closes. */
  private readonly onClientClosed = new Set<() => void>();

  constructor(
    private readonly client: OvsdbClient,
    private readonly view: VswitchView,
  ) {
    client.on('state', (state) => {
      if (state === 'closed') for (const end of [...this.onClientClosed]) end();
    });
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
          const row = this.view.interfaceRow(name);
          if (row?.error) throw new OvsdbError('REALISATION_FAILED', `interface ${name} failed: ${row.error}`);
          if (row?.ofport === -1)
            throw new OvsdbError('REALISATION_FAILED', `interface ${name} could not be opened (ofport -1)`);
          if (!row || row.ofport === undefined || row.ofport <= 0) return undefined;
          result.set(name, row.ofport);
        }
        return result;
      },
      () => {
        const missing = names.filter((n) => !(this.view.interfaceRow(n)?.ofport ?? 0));
        return `ovs-vswitchd did not realise ${missing.join(', ')} within ${timeoutMs} ms`;
      },
    );
  }

  /** Resolves when cur_cfg >= target (ovs-vswitchd applied every change up to target). */
  async waitCurCfg(target: number, timeoutMs: number): Promise<void> {
    await this.waitForReplica(
      timeoutMs,
      () => (this.view.curCfg() >= target ? true : undefined),
      () => `ovs-vswitchd did not reach configuration ${target} within ${timeoutMs} ms`,
    );
  }

  /**
   * Evaluates `outcome` now and on every replica change until it returns a value or throws;
   * rejects with REQUEST_TIMEOUT after timeoutMs, and with CONNECTION_CLOSED as soon as the
   * client closes.
   */
  waitForReplica<T>(timeoutMs: number, outcome: () => T | undefined, timeoutMessage: () => string): Promise<T> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const replica = this.view.replica;
      const finish = (): void => {
        settled = true;
        clearTimeout(timer);
        replica.off('change', evaluate);
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
          reject(error instanceof Error ? error : new Error(String(error)));
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
      replica.on('change', evaluate);
      this.onClientClosed.add(closed);
    });
  }
}
