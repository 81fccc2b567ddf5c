// The tests' reading of /metrics accepts every value the text format allows. NaN and the
// infinities are valid samples (the daemon's default Node.js gauges show NaN for the event
// loop's delay when no delay was sampled between two scrapes) and must reach a test as the
// numbers they are, not fail the scrape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { parseExposition } from '../../harness/prometheus';

test('NaN, +Inf and -Inf samples parse to the numbers they stand for, beside ordinary ones', () => {
  const scrape = parseExposition(
    [
      '# TYPE odd gauge',
      'odd{which="nan"} NaN',
      'odd{which="up"} +Inf',
      'odd{which="down"} -Inf',
      'odd{which="plain"} 2.5',
      '',
    ].join('\n'),
  );
  assert.ok(Number.isNaN(scrape.value('odd', { which: 'nan' })));
  assert.equal(scrape.value('odd', { which: 'up' }), Infinity);
  assert.equal(scrape.value('odd', { which: 'down' }), -Infinity);
  assert.equal(scrape.value('odd', { which: 'plain' }), 2.5);
});

test('a registry with the default metrics, scraped twice in a row, parses both times', async () => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const first = parseExposition(await registry.metrics());
  const second = parseExposition(await registry.metrics());
  for (const scrape of [first, second]) assert.ok(scrape.value('process_cpu_seconds_total') !== undefined);
  // The second scrape came before the event-loop monitor sampled again: its mean is NaN.
  assert.ok(Number.isNaN(second.value('nodejs_eventloop_lag_mean_seconds') ?? 0));
});

test('a malformed exposition still throws', () => {
  assert.throws(() => parseExposition('odd{which="nan" NaN\n'));
});
