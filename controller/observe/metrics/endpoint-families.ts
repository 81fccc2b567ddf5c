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

/**
 * Lines in one piece of the text. The whole text at a thousand endpoints is half a
 * megabyte: as one string (and one buffer to send it) it lands in V8's large-object space,
 * which only a full collection frees, once per scrape; pieces of this many lines (some
 * 16 KiB) are young objects that a scavenge frees for next to nothing. Each piece is
 * joined from its lines at once, so it is one flat string: built by `+=` line by line it
 * would be a tree of thousands of small strings, which every later reader (the socket's
 * encoder, Buffer.byteLength) first copies flat.
 */
const LINES_PER_PIECE = 200;

/** The three families as text-format lines, from counter rows (already bounded), in pieces. */
export function endpointFamiliesChunks(rows: readonly EndpointCounters[]): string[] {
  const labels = rows.map((row) => `network="${labelValue(row.network)}",container="${labelValue(row.container)}"`);
  const chunks: string[] = [];
  let lines: string[] = [];
  const line = (text: string): void => {
    lines.push(text);
    if (lines.length >= LINES_PER_PIECE) {
      chunks.push(`${lines.join('\n')}\n`);
      lines = [];
    }
  };
  for (const { measure, help } of FAMILIES) {
    const name = `ovsnet_endpoint_${measure}_total`;
    line(`# HELP ${name} ${help}, per endpoint; direction: sent (by the container) or received (by it)`);
    line(`# TYPE ${name} counter`);
    rows.forEach((row, i) => {
      for (const side of SIDES) line(`${name}{${labels[i]},direction="${side}"} ${row[side][measure]}`);
    });
  }
  if (lines.length > 0) chunks.push(`${lines.join('\n')}\n`);
  return chunks;
}

/** The same as one string. */
export function endpointFamiliesText(rows: readonly EndpointCounters[]): string {
  return endpointFamiliesChunks(rows).join('');
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
export function endpointFamilies(sources: StatsSources, clock: Clock = systemClock): CounterReads<string[]> {
  return new CounterReads(
    () =>
      endpointStats(sources).then(
        (rows) => endpointFamiliesChunks(bounded(rows)),
        // Without a switch session there are no counters to show: the families are left out.
        () => [],
      ),
    clock,
  );
}
