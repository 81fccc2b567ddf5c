// When /metrics reads the switch's port statistics for the per-endpoint families. A read
// costs the switch one netlink request per port, so scrapes that come together share one
// (FRESH_MS); steady scrapes get theirs started just before they are due (scrape-forecast.ts);
// and a scrape does not wait for a switch slower than usual (busy dumping its flow table
// for the flow check, say): once a read has taken twice the usual time, the scrape is
// answered with the previous read, if that is recent (SERVE_OLD_MS). Reads complete in
// order on one connection, and only a newer read replaces the one served, so no counter is
// ever seen going back.
import type { Clock } from '../../clock';
import { ScrapeForecast } from './scrape-forecast';

/** A read started this recently answers a scrape as it is. */
const FRESH_MS = 500;
/** A read in flight is waited for at least this long from its start, however quick the usual ones. */
const MIN_WAIT_MS = 20;
/** The usual read time is the median of this many last ones. */
const USUAL_OF = 5;
/** An earlier read older than this is not served: the scrape waits for the new one. */
const SERVE_OLD_MS = 5_000;
/** Bounds of how long before a predicted scrape its read starts (twice the usual read time). */
const MIN_LEAD_MS = 50;
const MAX_LEAD_MS = 1_000;

interface Read<T> {
  startedAt: number;
  result: Promise<T>;
}

export class CounterReads<T> {
  private readonly forecast = new ScrapeForecast();
  private done: { startedAt: number; value: T } | undefined;
  private pending: Read<T> | undefined;
  private readonly readTimes: number[] = [];
  private timer: unknown;

  /** `read` must not reject: a failed read resolves to what the scrape shows without counters. */
  constructor(
    private readonly read: () => Promise<T>,
    private readonly clock: Clock,
  ) {}

  /** What a scrape at this moment shows. */
  async forScrape(): Promise<T> {
    const now = this.clock.now();
    this.planNext(now);
    const done = this.done;
    if (done && now - done.startedAt <= FRESH_MS) return done.value;
    const pending = this.pending && now - this.pending.startedAt <= FRESH_MS ? this.pending : this.start(now);
    if (!done || now - done.startedAt > SERVE_OLD_MS) return pending.result;
    const deadline = pending.startedAt + Math.max(MIN_WAIT_MS, 2 * this.usualReadMs());
    let timer: unknown;
    const fallback = new Promise<T>((resolve) => {
      timer = this.clock.setTimeout(() => resolve(this.done?.value ?? done.value), Math.max(0, deadline - now));
    });
    try {
      return await Promise.race([pending.result, fallback]);
    } finally {
      this.clock.clearTimeout(timer);
    }
  }

  stop(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private planNext(now: number): void {
    const lead = Math.min(MAX_LEAD_MS, Math.max(MIN_LEAD_MS, 2 * this.usualReadMs()));
    const at = this.forecast.scraped(now, lead);
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (at === undefined) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      const started = this.clock.now();
      if (!this.pending || started - this.pending.startedAt > FRESH_MS) this.start(started);
    }, at - now);
    (this.timer as { unref?: () => void }).unref?.();
  }

  private usualReadMs(): number {
    if (this.readTimes.length === 0) return MIN_WAIT_MS;
    const sorted = [...this.readTimes].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] as number;
  }

  private start(now: number): Read<T> {
    const read: Read<T> = {
      startedAt: now,
      result: this.read().then((value) => {
        this.readTimes.push(this.clock.now() - now);
        if (this.readTimes.length > USUAL_OF) this.readTimes.shift();
        if (!this.done || this.done.startedAt < now) this.done = { startedAt: now, value };
        if (this.pending === read) this.pending = undefined;
        return value;
      }),
    };
    this.pending = read;
    return read;
  }
}
