// Group commit for port changes: requests that arrive while a transaction is in flight are
// sent together in the next one, so a burst of concurrent attaches costs a few OVSDB
// transactions and a few ovs-vswitchd reconfigurations instead of one each. When a batch
// fails, its requests are retried one by one so only the bad request sees the error.
import { OvsdbError } from '../protocol/errors';
import type { Operation } from '../protocol/operations';
import type { PortSpec } from './types';
import type { Vswitch } from './vswitch';

type Request = { kind: 'add'; spec: PortSpec } | { kind: 'remove'; name: string };

interface Queued {
  request: Request;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class PortBatcher {
  private queue: Queued[] = [];
  private inFlight = false;
  /** Number of transactions sent, for tests and metrics. */
  transactions = 0;

  constructor(
    private readonly vswitch: Vswitch,
    private readonly maxBatch = 2000,
  ) {}

  addPort(spec: PortSpec): Promise<void> {
    return this.enqueue({ kind: 'add', spec });
  }

  removePort(name: string): Promise<void> {
    return this.enqueue({ kind: 'remove', name });
  }

  private enqueue(request: Request): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      if (!this.inFlight) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.inFlight = true;
    // Let requests issued in the same tick join the first batch.
    await new Promise((r) => setImmediate(r));
    while (this.queue.length > 0) {
      const batch = this.admissible(this.queue.splice(0, this.maxBatch));
      if (batch.length === 0) continue;
      try {
        await this.send(batch.map((q) => q.request));
        for (const q of batch) q.resolve();
      } catch (error) {
        if (batch.length === 1) (batch[0] as Queued).reject(error as Error);
        else {
          for (const q of batch) {
            try {
              await this.send([q.request]);
              q.resolve();
            } catch (single) {
              q.reject(single as Error);
            }
          }
        }
      }
    }
    this.inFlight = false;
  }

  /** Rejects, up front, requests the server would refuse, so they cannot sink a batch. */
  private admissible(batch: Queued[]): Queued[] {
    const names = new Set<string>();
    return batch.filter((q) => {
      if (q.request.kind !== 'add') return true;
      try {
        this.vswitch.ops.checkAddPort(q.request.spec);
        if (names.has(q.request.spec.name))
          throw new OvsdbError('INVALID_ARGUMENT', `port "${q.request.spec.name}" is already requested in this batch`);
        names.add(q.request.spec.name);
        return true;
      } catch (error) {
        q.reject(error as Error);
        return false;
      }
    });
  }

  private async send(requests: Request[]): Promise<void> {
    const adds = requests.filter((r): r is Extract<Request, { kind: 'add' }> => r.kind === 'add').map((r) => r.spec);
    const removes = requests
      .filter((r): r is Extract<Request, { kind: 'remove' }> => r.kind === 'remove')
      .map((r) => r.name);
    const ops: Operation[] = [...this.vswitch.ops.removePorts(removes), ...this.vswitch.ops.addPorts(adds)];
    if (ops.length === 0) return;
    this.transactions++;
    await this.vswitch.transact([...ops, this.vswitch.ops.bumpNextCfg()]);
  }
}
