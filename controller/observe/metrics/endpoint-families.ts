// The per-endpoint counter families (packets, bytes, drops, each sent and received), written
// in the Prometheus text format here rather than through prom-client: at a thousand
// endpoints they are six thousand series, and handing those to a registry that hashes
// every label set again on each scrape cost most of the scrape. Their values are the
// switch's own counters, read once per scrape.
//
// Label cardinality is bounded: series carry only `network`, `container` and `direction`
// (never ids, addresses or MACs), an endpoint's series go when it does, and past
// MAX_ENDPOINT_SERIES endpoints the rest are summed into container="_other" of their network.
import { systemClock, type Clock } from '../../clock';
import { endpointStats, type EndpointCounters, type StatsSources } from '../endpoint-stats';
import { CounterReads } from './counter-reads';
import { MAX_VALUE_BYTES, SeriesPrefixes, writeValue, type Prefixes } from './series-text';

export const MAX_ENDPOINT_SERIES = 2000;

type Side = 'sent' | 'received';
type Measure = 'packets' | 'bytes' | 'dropped';

const FAMILIES: ReadonlyArray<{ measure: Measure; help: string }> = [
  { measure: 'packets', help: 'Packets' },
  { measure: 'bytes', help: 'Bytes' },
  { measure: 'dropped', help: 'Packets dropped by the switch port' },
];
const SIDES: readonly Side[] = ['sent', 'received'];

/** A label value as the text format wants it: backslash, double quote and newline escaped. */
export function labelValue(text: string): string {
  return /[\\"\n]/.test(text) ? text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : text;
}

function header(name: string, help: string): Buffer {
  return Buffer.from(
    `# HELP ${name} ${help}, per endpoint; direction: sent (by the container) or received (by it)\n` +
      `# TYPE ${name} counter\n`,
    'utf8',
  );
}

const HEADERS = FAMILIES.map(({ measure, help }) => header(`ovsnet_endpoint_${measure}_total`, help));

/** One endpoint's series prefixes: for each family, sent then received (SIDES' order). */
function prefixesOf(network: string, container: string): Prefixes {
  const labels = `network="${labelValue(network)}",container="${labelValue(container)}"`;
  return FAMILIES.flatMap(({ measure }) =>
    SIDES.map((side) => Buffer.from(`ovsnet_endpoint_${measure}_total{${labels},direction="${side}"} `, 'utf8')),
  );
}

/**
 * The three families in the text format, from counter rows (already bounded), as one
 * buffer; `prefixes` keeps each endpoint's encoded names between scrapes.
 */
export function endpointFamiliesBytes(
  rows: readonly EndpointCounters[],
  prefixes: SeriesPrefixes = new SeriesPrefixes(),
): Buffer {
  prefixes.begin();
  const ofRows = rows.map((row) => prefixes.get(row.network, row.container, prefixesOf));
  let size = HEADERS.reduce((sum, h) => sum + h.length, 0);
  for (const own of ofRows) for (const prefix of own) size += prefix.length + MAX_VALUE_BYTES;
  const out = Buffer.allocUnsafe(size);
  let offset = 0;
  for (let f = 0; f < FAMILIES.length; f++) {
    const header = HEADERS[f] as Buffer;
    out.set(header, offset);
    offset += header.length;
    for (let i = 0; i < rows.length; i++) {
      const { sent, received } = rows[i] as EndpointCounters;
      const own = ofRows[i] as Prefixes;
      // Fields read by their names: read by a name held in a variable (row.sent[measure]),
      // a scrape spent a third of this function's time on the lookups.
      offset =
        f === 0
          ? writeSeries(out, offset, own, 0, sent.packets, received.packets)
          : f === 1
            ? writeSeries(out, offset, own, 2, sent.bytes, received.bytes)
            : writeSeries(out, offset, own, 4, sent.dropped, received.dropped);
    }
  }
  return out.subarray(0, offset);
}

/**
 * One endpoint's two series of one family: each prefix copied (TypedArray set: of the ways
 * to copy some eighty bytes, the fastest measured with Buffer copy; a byte loop took five
 * times as long), each value written after it.
 */
function writeSeries(out: Buffer, at: number, own: Prefixes, index: number, sent: number, received: number): number {
  const sentPrefix = own[index] as Buffer;
  out.set(sentPrefix, at);
  const next = writeValue(out, at + sentPrefix.length, sent);
  const receivedPrefix = own[index + 1] as Buffer;
  out.set(receivedPrefix, next);
  return writeValue(out, next + receivedPrefix.length, received);
}

/** The same as a string. */
export function endpointFamiliesText(rows: readonly EndpointCounters[]): string {
  return endpointFamiliesBytes(rows).toString('utf8');
}

/** At most MAX_ENDPOINT_SERIES endpoints by name; the rest summed per network as "_other". */
export function bounded(rows: EndpointCounters[]): EndpointCounters[] {
  if (rows.length <= MAX_ENDPOINT_SERIES) return rows;
  const kept = rows.slice(0, MAX_ENDPOINT_SERIES);
  const others = new Map<string, EndpointCounters>();
  for (const row of rows.slice(MAX_ENDPOINT_SERIES)) {
    const sum = others.get(row.network) ?? {
      ...row,
      container: '_other',
      sent: { packets: 0, bytes: 0, dropped: 0 },
      received: { packets: 0, bytes: 0, dropped: 0 },
    };
    for (const side of SIDES) for (const { measure } of FAMILIES) sum[side][measure] += row[side][measure];
    others.set(row.network, sum);
  }
  return [...kept, ...others.values()];
}

/** The families' text for scrapes, read from the switch as counter-reads.ts decides. */
export function endpointFamilies(sources: StatsSources, clock: Clock = systemClock): CounterReads<Buffer> {
  const prefixes = new SeriesPrefixes();
  return new CounterReads(
    () =>
      endpointStats(sources).then(
        (rows) => endpointFamiliesBytes(bounded(rows), prefixes),
        // Without a switch session there are no counters to show: the families are left out.
        () => Buffer.alloc(0),
      ),
    clock,
  );
}
