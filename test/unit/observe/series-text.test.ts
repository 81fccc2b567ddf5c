// Counter values written as the text format's digits, and series names encoded once per
// endpoint: kept while the endpoint is scraped, gone after a scrape without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_VALUE_BYTES, SeriesPrefixes, writeValue } from '../../../controller/observe/metrics/series-text';

function written(value: number): string {
  const out = Buffer.alloc(MAX_VALUE_BYTES + 4, 0x2e);
  const end = writeValue(out, 2, value);
  return out.toString('latin1', 2, end);
}

test('counter values are written as their decimal digits and a newline, as JavaScript prints them', () => {
  for (const value of [0, 7, 10, 99, 100, 123456789, 2 ** 32, Number.MAX_SAFE_INTEGER, 2 ** 64, 1.5e300])
    assert.equal(written(value), `${String(value)}\n`, String(value));
});

test('the largest counter fits the room a value is given', () => {
  assert.ok(written(2 ** 64).length <= MAX_VALUE_BYTES);
  assert.ok(written(Number.MAX_SAFE_INTEGER).length <= MAX_VALUE_BYTES);
});

test("an endpoint's prefixes are made once while it is scraped, and dropped after a scrape without it", () => {
  const prefixes = new SeriesPrefixes();
  let made = 0;
  const make = (): Buffer[] => {
    made++;
    return [Buffer.from('x')];
  };
  prefixes.begin();
  const first = prefixes.get('web', 'a', make);
  prefixes.get('web', 'b', make);
  prefixes.begin();
  assert.equal(prefixes.get('web', 'a', make), first);
  assert.equal(made, 2);
  prefixes.begin(); // a scrape without "b" ended above
  prefixes.get('web', 'b', make);
  assert.equal(made, 3);
  assert.equal(prefixes.size, 1);
});
