// Why a flow the switch reports exists: the switch prints table, priority, cookie and match
// of each flow it used; ovsnet's pipeline holds the same flows with their one-line reasons.
// Table, priority and cookie almost always name one flow (the cookie names the feature and
// the object); when several share them, the one whose match text is closest wins.
import type { FlowSpec } from '../../../flows/pipeline/spec';
import { toFlowMod } from '../../../flows/pipeline/spec';
import { parseCookie } from '../../../flows/pipeline/cookies';
import { tableName, tableNumber } from '../../../flows/pipeline/tables';
import { flowText } from '../../../flows/ofp/text';
import type { RawStep } from './ofproto';
import type { TraceStep } from './types';

export class ReasonIndex {
  private readonly byKey = new Map<string, FlowSpec[]>();

  constructor(flows: readonly FlowSpec[]) {
    for (const flow of flows) {
      const key = `${tableNumber(flow.table)}|${flow.priority}|${flow.cookie}`;
      const list = this.byKey.get(key);
      if (list) list.push(flow);
      else this.byKey.set(key, [flow]);
    }
  }

  /** The pipeline's step for one line of the switch's trace. */
  step(raw: RawStep): TraceStep {
    const table = tableName(raw.tableId) ?? `table ${raw.tableId}`;
    if (raw.priority === undefined) return { tableId: raw.tableId, table, reason: missReason(raw.tableId) };
    const cookie = raw.cookie ?? 0n;
    const candidates = this.byKey.get(`${raw.tableId}|${raw.priority}|${cookie}`) ?? [];
    const flow = candidates.length <= 1 ? candidates[0] : closest(candidates, raw.match ?? '');
    return {
      tableId: raw.tableId,
      table,
      priority: raw.priority,
      cookie: `0x${cookie.toString(16)}`,
      reason: flow?.reason ?? 'a flow ovsnet did not install (someone added it by hand?)',
      ...ownerOf(cookie),
    };
  }
}

export function missReason(tableId: number): string {
  const name = tableName(tableId);
  return name ? `no flow of ${name} matches: the table's miss drops it` : `no flow matches in table ${tableId}`;
}

/** What the cookie says the flow exists for ("policy / network 2"). */
export function ownerOf(cookie: bigint): { owner?: string } {
  const parsed = parseCookie(cookie);
  if (!parsed) return {};
  const object =
    parsed.object.kind === 'table_wide' || parsed.object.kind === 'shared'
      ? parsed.object.kind.replace('_', '-')
      : `${parsed.object.kind.replace('_', ' ')} ${parsed.object.id}`;
  return { owner: `${parsed.feature} / ${object}` };
}

function tokens(text: string): Set<string> {
  return new Set(
    text
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '' && !/^(table|priority|cookie)=/.test(t)),
  );
}

function closest(candidates: readonly FlowSpec[], switchMatch: string): FlowSpec | undefined {
  const wanted = tokens(switchMatch);
  let best: FlowSpec | undefined;
  let bestScore = -1;
  for (const flow of candidates) {
    const own = tokens(flowText(toFlowMod(flow)).split(' actions=')[0] as string);
    let score = 0;
    for (const t of own) if (wanted.has(t)) score++;
    if (score > bestScore) [best, bestScore] = [flow, score];
  }
  return best;
}
