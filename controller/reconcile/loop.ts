// Runs a reconcile pass whenever desired state changes, coalescing bursts: however many
// kicks arrive while a pass runs, exactly one more pass follows. Also runs periodically to
// repair drift (someone changed the switch by hand). `waitSynced` resolves after a pass
// that started after the call has succeeded, so a caller knows its change is applied.
import type { Clock } from '../clock';
import type { Logger } from '../log';

export interface ReconcileLoopOptions {
  /**
   * One pass. It may hold some work back on purpose (see port-admission.ts) and return the
   * delay after which to try again; such a pass does not count as synced.
   */
  pass: () => Promise<{ retryInMs: number } | void>;
  clock: Clock;
  logger: Logger;
  /** Period of drift repair passes. */
  periodMs: number;
  /** Delay before retrying a failed pass (doubles up to periodMs). */
  retryMs?: number;
  /** Told of every pass: how long it took and whether it failed (for /metrics). */
  onPass?: (ms: number, failed: boolean) => void;
}

interface Waiter {
  /** Generation of the first pass that satisfies this waiter. */
  generation: number;
  resolve: () => void;
  reject: (error: Error) => void;
  timer: unknown;
}

export class ReconcileLoop {
  private running = false;
  private dirty = false;
  private stopped = false;
  /** Generation of the pass that runs now or ran last. */
  private generation = 0;
  private waiters: Waiter[] = [];
  private timer: unknown;
  private failures = 0;
  private lastError: Error | undefined;

  constructor(private readonly options: ReconcileLoopOptions) {}

  start(): void {
    this.kick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    for (const w of this.waiters) {
      this.options.clock.clearTimeout(w.timer);
      w.reject(new Error('reconciler stopped'));
    }
    this.waiters = [];
  }

  kick(): void {
    if (this.stopped) return;
    this.dirty = true;
    if (!this.running) void this.runPasses();
  }

  /** Resolves when a pass started after this call completes without error. */
  waitSynced(timeoutMs: number): Promise<void> {
    // No pass will run again: a waiter would only hold a timer (and its process) open.
    if (this.stopped) return Promise.reject(new Error('reconciler stopped'));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        generation: this.generation + 1,
        resolve,
        reject,
        timer: this.options.clock.setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          const cause = this.lastError ? `: last error: ${this.lastError.message}` : '';
          reject(new Error(`the switch did not reach the desired state within ${timeoutMs} ms${cause}`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
      this.kick();
    });
  }

  get lastFailure(): Error | undefined {
    return this.lastError;
  }

  private async runPasses(): Promise<void> {
    this.running = true;
    let lastPassMs = 0;
    while (this.dirty && !this.stopped) {
      // Passes cost tens of milliseconds at thousands of endpoints, and every request
      // kicks one: back to back they would starve the very requests that cause them. A
      // follow-up pass leaves the event loop as long as the last pass took (at most
      // 100 ms), which also lets more changes share it.
      if (lastPassMs >= 5) {
        await new Promise<void>((resolve) => this.options.clock.setTimeout(resolve, Math.min(lastPassMs, 100)));
        if (this.stopped) break;
      }
      this.dirty = false;
      this.generation++;
      const generation = this.generation;
      let deferred: { retryInMs: number } | void;
      const started = this.options.clock.now();
      try {
        deferred = await this.options.pass();
        lastPassMs = this.options.clock.now() - started;
        this.options.onPass?.(lastPassMs, false);
        this.failures = 0;
        this.lastError = undefined;
      } catch (error) {
        this.failures++;
        this.lastError = error as Error;
        this.options.onPass?.(this.options.clock.now() - started, true);
        this.options.logger.warn({ err: error, failures: this.failures }, 'reconcile pass failed; will retry');
        this.schedule(Math.min(this.options.periodMs, (this.options.retryMs ?? 200) * 2 ** (this.failures - 1)));
        this.running = false;
        return;
      }
      if (deferred) {
        // Waiters stay for a pass that does everything; a kick may bring it sooner.
        this.moveWaiters(generation);
        if (!this.dirty) {
          this.running = false;
          this.schedule(Math.max(1, deferred.retryInMs));
          return;
        }
        continue;
      }
      this.settle(generation);
    }
    this.running = false;
    this.schedule(this.options.periodMs);
  }

  /** Waiters that this pass would have satisfied wait for the next one instead. */
  private moveWaiters(generation: number): void {
    for (const w of this.waiters) if (w.generation <= generation) w.generation = generation + 1;
  }

  private settle(generation: number): void {
    const ready = this.waiters.filter((w) => w.generation <= generation);
    this.waiters = this.waiters.filter((w) => w.generation > generation);
    for (const w of ready) {
      this.options.clock.clearTimeout(w.timer);
      w.resolve();
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, ms);
  }
}
