// The switch's table, read back, keyed as desired-flows.ts keys the wanted one. A check
// reads back the whole table (some 8,000 flows at a thousand endpoints) every few seconds,
// and nearly every flow in it is one the last read-back saw unchanged: decoding and keying
// them all again cost the daemon some 80 ms of CPU and a few megabytes of garbage each time,
// which showed up as the slowest metrics scrapes. So the switch's entries arrive undecoded
// (OpenFlowSession.dumpFlowEntries), and an entry whose bytes, apart from its age and
// counters, equal one of the last read-back's is given that one's key without decoding.
// What a flow is keyed by (table, priority, match, cookie, instructions) lies entirely in
// those bytes, so the result is the same table keyed() would give.
//
// Only the last read-back's entries are remembered, so the memory follows the table; what
// they map to depends on their bytes alone, so they hold across sessions too. An
// entry that matches a wanted flow exactly shares the wanted flow's keyed value, which the
// desired table holds anyway.
import type { FlowStatsEntryBytes } from '../../flows/ofp/messages/flow';
import { decodeFlowStatsEntry } from '../../flows/ofp/messages/flow';
import { keyedEntry, type Keyed, type KeyedFlow } from './desired-flows';

/** Entries keyed between chances for other work (a scrape, a Docker call) to run. */
const SLICE = 500;

export class ReadBackKeys {
  private seen = new Map<string, readonly [string, KeyedFlow]>();

  /** `wanted`, when given, is the table ovsnet believes installed: matching flows share its values. */
  async keyed(entries: readonly FlowStatsEntryBytes[], wanted?: Keyed): Promise<Keyed> {
    const result: Keyed = new Map();
    const seen = new Map<string, readonly [string, KeyedFlow]>();
    for (let at = 0; at < entries.length; at += SLICE) {
      if (at > 0) await new Promise((resolve) => setImmediate(resolve));
      for (const entry of entries.slice(at, at + SLICE)) {
        const known = this.seen.get(entry.stable) ?? fresh(entry, wanted);
        seen.set(entry.stable, known);
        result.set(known[0], known[1]);
      }
    }
    this.seen = seen;
    return result;
  }
}

function fresh(entry: FlowStatsEntryBytes, wanted: Keyed | undefined): readonly [string, KeyedFlow] {
  const [key, value] = keyedEntry(decodeFlowStatsEntry(entry.bytes));
  const same = wanted?.get(key);
  return [key, same !== undefined && same.content === value.content ? same : value];
}
