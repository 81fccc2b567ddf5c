// When the next scrape will come. Prometheus scrapes at a steady interval; reading the
// switch's port statistics takes tens of milliseconds at a thousand ports (one netlink
// read per port in ovs-vswitchd), longer when the switch is busy with a flow read-back.
// Started a little before the next scrape is due, the read is ready when the scrape
// comes: the scrape answers at once, with counters a fraction of a second old, and the
// switch is read no more often than before (once per scrape). Irregular scrapes (a person
// with curl) predict nothing and read when they come. Pure: times are passed in.

/** Intervals differing by more than this fraction are not steady. */
const STEADY_TOLERANCE = 0.1;
/** Scrapes further apart than this are not worth a timer in between. */
const MAX_INTERVAL_MS = 10 * 60_000;

export class ScrapeForecast {
  private lastAt: number | undefined;
  private interval: number | undefined;

  /**
   * A scrape came at `now`. Returns when to start reading for the next one (`leadMs`
   * before it is due), or undefined when scrapes are not steady: the last two intervals
   * must agree within 10 %, and be long enough for the lead.
   */
  scraped(now: number, leadMs: number): number | undefined {
    const previous = this.lastAt;
    const previousInterval = this.interval;
    this.lastAt = now;
    this.interval = previous === undefined ? undefined : now - previous;
    const interval = this.interval;
    if (interval === undefined || previousInterval === undefined) return undefined;
    if (Math.abs(interval - previousInterval) > STEADY_TOLERANCE * previousInterval) return undefined;
    if (interval > MAX_INTERVAL_MS || interval < 2 * leadMs) return undefined;
    return now + interval - leadMs;
  }
}
