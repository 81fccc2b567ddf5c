// Each step of `up` and `down` prints what it did and how long it took, so a slow lab
// shows where its time goes.
import { performance } from 'node:perf_hooks';

export type Log = (line: string) => void;

export const printLog: Log = (line) => process.stdout.write(`${line}\n`);

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

export class Steps {
  private readonly started = performance.now();

  constructor(
    private readonly log: Log,
    private readonly verb: string,
  ) {}

  async step<T>(what: string, work: () => Promise<T>): Promise<T> {
    const begun = performance.now();
    try {
      const value = await work();
      this.log(`[lab] ${what}: ${seconds(performance.now() - begun)}`);
      return value;
    } catch (error) {
      this.log(`[lab] ${what}: FAILED after ${seconds(performance.now() - begun)}`);
      throw error;
    }
  }

  done(summary: string): void {
    this.log(`[lab] ${this.verb} ${summary} in ${seconds(performance.now() - this.started)}`);
  }
}

/**
 * Runs all the work and waits for every piece to finish (so nothing is still creating
 * resources when a failure is handled), then rejects with the first failure.
 */
export async function allSettled<T>(work: ReadonlyArray<Promise<T>>): Promise<T[]> {
  const results = await Promise.allSettled(work);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}
