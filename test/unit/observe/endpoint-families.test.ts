// The per-endpoint counter families as Prometheus tooling reads them: every row's six
// series with their values, label values with quotes, backslashes and newlines intact, and
// at most MAX_ENDPOINT_SERIES endpoints named before the rest are summed per network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bounded,
  endpointFamiliesBytes,
  endpointFamiliesText,
  MAX_ENDPOINT_SERIES,
} from '../../../controller/observe/metrics/endpoint-families';
import { SeriesPrefixes } from '../../../controller/observe/metrics/series-text';
import type { EndpointCounters } from '../../../controller/observe/endpoint-stats';
import { parseExposition } from '../../harness/prometheus';

function row(network: string, container: string, n: number): EndpointCounters {
  return {
    network,
    container,
    endpointId: `${container}-id`,
    ofport: n,
    sent: { packets: n, bytes: n * 100, dropped: n % 3 },
    received: { packets: n + 1, bytes: (n + 1) * 100, dropped: 0 },
  };
}

test('every row becomes six series that parse back to its counters, odd names included', () => {
  const rows = [row('web', 'plain', 5), row('web', 'say "hi"', 7), row('db\\prod', 'two\nlines', 2 ** 40)];
  const scrape = parseExposition(endpointFamiliesText(rows));
  assert.equal(scrape.samples.length, rows.length * 6);
  for (const r of rows)
    for (const side of ['sent', 'received'] as const)
      for (const measure of ['packets', 'bytes', 'dropped'] as const)
        assert.equal(
          scrape.value(`ovsnet_endpoint_${measure}_total`, {
            network: r.network,
            container: r.container,
            direction: side,
          }),
          r[side][measure],
          `${r.container} ${measure} ${side}`,
        );
  assert.ok(scrape.samples.every((s) => s.type === 'counter'));
});

test('no rows: the families are declared with no series, and the text still parses', () => {
  assert.equal(parseExposition(endpointFamiliesText([])).samples.length, 0);
});

test('past the bound the remaining endpoints are summed per network as _other', () => {
  const rows = Array.from({ length: MAX_ENDPOINT_SERIES + 10 }, (_, i) => row(i % 2 === 0 ? 'a' : 'b', `c${i}`, i));
  const kept = bounded(rows);
  assert.equal(kept.length, MAX_ENDPOINT_SERIES + 2);
  const rest = rows.slice(MAX_ENDPOINT_SERIES);
  const scrape = parseExposition(endpointFamiliesText(kept));
  for (const network of ['a', 'b']) {
    const expected = rest.filter((r) => r.network === network).reduce((sum, r) => sum + r.sent.bytes, 0);
    assert.equal(
      scrape.value('ovsnet_endpoint_bytes_total', { network, container: '_other', direction: 'sent' }),
      expected,
    );
  }
});

test('scrape after scrape, with prefixes kept, the text follows changed counters and endpoints gone', () => {
  const prefixes = new SeriesPrefixes();
  const first = [row('web', 'a', 1), row('web', 'b', 2)];
  endpointFamiliesBytes(first, prefixes);
  const second = [row('web', 'a', 50)];
  const scrape = parseExposition(endpointFamiliesBytes(second, prefixes).toString('utf8'));
  assert.equal(scrape.samples.length, 6);
  assert.equal(
    scrape.value('ovsnet_endpoint_bytes_total', { network: 'web', container: 'a', direction: 'sent' }),
    5000,
  );
  assert.equal(prefixes.size, 1);
});
