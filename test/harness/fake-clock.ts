// A manual clock for state machines and schedulers that take a Clock: time moves only
// when a test advances it, firing due timers in order.
import type { Clock } from '../../controller/clock';

export class FakeClock implements Clock {
  private t = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private next = 1;

  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  private nextDue(end: number): [number, { at: number; fn: () => void }] | undefined {
    return [...this.timers].filter(([, v]) => v.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
  }

  /** Fires every timer due within `ms`, synchronously. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (let due = this.nextDue(end); due; due = this.nextDue(end)) {
      this.timers.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
    }
    this.t = end;
  }

  /** Like advance, but lets promise callbacks run after each timer (for async passes). */
  async advanceAsync(ms: number, settle: () => Promise<void>): Promise<void> {
    const end = this.t + ms;
    for (let due = this.nextDue(end); due; due = this.nextDue(end)) {
      this.timers.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
      await settle();
    }
    this.t = end;
  }
}
