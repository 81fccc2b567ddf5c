// When /metrics reads the switch's counters: steady scrapes find a read started just
// before them and answer at once, a scrape waits for a switch slower than usual only twice
// the usual time (then shows the previous read), counters never go back, and irregular scrapes read when
// they come.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as turn } from 'node:timers/promises';
import { CounterReads } from '../../../controller/observe/metrics/counter-reads';
import { ScrapeForecast } from '../../../controller/observe/metrics/scrape-forecast';
import { FakeClock } from '../../harness/fake-clock';

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await turn();
};

/** A switch whose reads take `delayMs` (changeable) and return 1, 2, 3, ... in order. */
function fakeSwitch(
  clock: FakeClock,
  delayMs: number,
): { read: () => Promise<number>; reads: number[]; delay: number } {
  const state = {
    delay: delayMs,
    reads: [] as number[],
    read: (): Promise<number> => {
      const n = state.reads.length + 1;
      state.reads.push(clock.now());
      return new Promise((resolve) => clock.setTimeout(() => resolve(n), state.delay));
    },
  };
  return state;
}

/** Scrapes at the clock's time; returns the value and how long the answer took. */
async function scrape(clock: FakeClock, reads: CounterReads<number>): Promise<{ value: number; tookMs: number }> {
  const started = clock.now();
  let value: number | undefined;
  void reads.forScrape().then((v) => (value = v));
  await settle();
  while (value === undefined) await clock.advanceAsync(1, settle);
  return { value, tookMs: clock.now() - started };
}

test('steady scrapes: a read starts before each is due and the scrape answers at once', async () => {
  const clock = new FakeClock();
  const sw = fakeSwitch(clock, 40);
  const reads = new CounterReads(sw.read, clock);
  const taken: number[] = [];
  for (let i = 0; i < 10; i++) {
    const at = clock.now();
    taken.push((await scrape(clock, reads)).tookMs);
    await clock.advanceAsync(1000 - (clock.now() - at), settle);
  }
  reads.stop();
  assert.deepEqual(taken.slice(0, 3), [40, 40, 40], 'until the interval is known, a scrape waits for its read');
  assert.deepEqual(taken.slice(3), [0, 0, 0, 0, 0, 0, 0], 'then every scrape finds its read done');
  assert.ok(sw.reads.length <= 11, `the switch is read once per scrape (${sw.reads.length} reads for 10 scrapes)`);
});

test('a switch slow to answer holds a scrape up only briefly, with the previous counters', async () => {
  const clock = new FakeClock();
  const sw = fakeSwitch(clock, 40);
  const reads = new CounterReads(sw.read, clock);
  const first = await scrape(clock, reads);
  await clock.advanceAsync(2000, settle);
  sw.delay = 300; // busy with a flow dump
  const slow = await scrape(clock, reads);
  assert.equal(slow.tookMs, 80, 'answered once the read took twice the usual time');
  assert.equal(slow.value, first.value, 'with the read before');
  await clock.advanceAsync(400, settle);
  const next = await scrape(clock, reads);
  assert.ok(next.value > slow.value, 'the slow read serves once it is in');
  await clock.advanceAsync(10_000, settle);
  sw.delay = 300;
  const stale = await scrape(clock, reads);
  assert.equal(stale.tookMs, 300, 'a read older than 5 s is not served: the scrape waits for the switch');
  assert.ok(stale.value > next.value);
  reads.stop();
});

test('scrapes that come together share one read; irregular scrapes start none ahead', async () => {
  const clock = new FakeClock();
  const sw = fakeSwitch(clock, 40);
  const reads = new CounterReads(sw.read, clock);
  const together = await Promise.all([reads.forScrape(), reads.forScrape(), clock.advanceAsync(50, settle)]);
  assert.deepEqual(together.slice(0, 2), [1, 1]);
  for (const gap of [3000, 700, 5000, 1500]) {
    await clock.advanceAsync(gap, settle);
    await scrape(clock, reads);
  }
  assert.equal(sw.reads.length, 5, 'one read per scrape, none between');
  reads.stop();
});

test('the forecast: steady intervals predict the next scrape, irregular or too short ones nothing', () => {
  const forecast = new ScrapeForecast();
  assert.equal(forecast.scraped(0, 100), undefined);
  assert.equal(forecast.scraped(15_000, 100), undefined, 'one interval is no pattern');
  assert.equal(forecast.scraped(30_000, 100), 44_900, 'two agreeing: the next is due 15 s on');
  assert.equal(forecast.scraped(40_000, 100), undefined, 'a third of the interval off: not steady');
  const quick = new ScrapeForecast();
  for (const t of [0, 150, 300]) assert.equal(quick.scraped(t, 100), undefined, 'shorter than twice the lead');
});
