// A flow as the pipeline describes it: tables by name, a one-line reason for dumps, and a
// conversion to the codec's FlowMod that holds the flow to its table's declaration.
import type { Action } from '../ofp/actions';
import type { MatchField } from '../ofp/match';
import type { FlowMod } from '../ofp/types';
import { SHARED, withObject } from './cookies';
import { tableNumber, type TableName } from './tables';
import { checkFlow } from './verify';

export interface FlowSpec {
  table: TableName;
  priority: number;
  cookie: bigint;
  match: MatchField[];
  actions: Action[];
  goto?: TableName;
  reason: string;
}

export function toFlowMod(spec: FlowSpec): FlowMod {
  checkFlow(spec);
  const instructions: FlowMod['instructions'] = [];
  const match = combineRegisterMatches(spec.match);
  if (spec.actions.length > 0) instructions.push({ type: 'apply_actions', actions: spec.actions });
  if (spec.goto !== undefined) instructions.push({ type: 'goto_table', table: tableNumber(spec.goto) });
  return {
    command: 'add',
    tableId: tableNumber(spec.table),
    priority: spec.priority,
    cookie: spec.cookie,
    match,
    instructions,
  };
}

/**
 * Several sub-fields of one register (e.g. the network tag and the source kind in reg0)
 * must travel as one masked OXM field: OpenFlow refuses a field that appears twice.
 */
export function combineRegisterMatches(match: MatchField[]): MatchField[] {
  const out: MatchField[] = [];
  const registers = new Map<string, MatchField>();
  for (const m of match) {
    if (!/^reg\d+$/.test(m.field) || m.mask === undefined) {
      out.push(m);
      continue;
    }
    const seen = registers.get(m.field);
    if (!seen) {
      const copy = { ...m };
      registers.set(m.field, copy);
      out.push(copy);
      continue;
    }
    const mask = Number(seen.mask) | Number(m.mask);
    if ((Number(seen.value) & Number(m.mask)) !== 0 || (Number(m.value) & Number(seen.mask)) !== 0) {
      throw new Error(`overlapping matches on ${m.field}`);
    }
    seen.value = (Number(seen.value) | Number(m.value)) >>> 0;
    seen.mask = mask >>> 0;
  }
  // Sub-fields that together cover the whole register are an exact match: the switch
  // reports it without a mask, and a flow must read back as it was written or every check
  // finds "drift" and replaces it.
  for (const m of registers.values()) if (m.mask === 0xffffffff) delete m.mask;
  return out;
}

/**
 * Merges flows that share table, priority and match: OpenFlow keeps only one of them, so
 * their actions (in practice: conjunction clauses of different rules) must be combined.
 * A flow merged from several objects' flows belongs to none of them alone: its cookie
 * says shared, so deleting one rule by its cookie leaves the others' clauses in place.
 */
export function mergeSameMatch(specs: FlowSpec[]): FlowSpec[] {
  // Only conjunction clauses share matches by design; other flows pass through untouched
  // (a unit test proves no two of them collide), which keeps this linear and allocation-free.
  const out: FlowSpec[] = [];
  const byKey = new Map<string, FlowSpec>();
  for (const spec of specs) {
    if (!spec.actions.some((a) => a.type === 'conjunction')) {
      out.push(spec);
      continue;
    }
    const key = `${spec.table}|${spec.priority}|${spec.match
      .map((m) => `${m.field}=${String(m.value)}/${String(m.mask ?? '')}`)
      .sort()
      .join(',')}`;
    const existing = byKey.get(key);
    if (!existing) {
      const copy = { ...spec, actions: [...spec.actions] };
      byKey.set(key, copy);
      out.push(copy);
    } else {
      existing.actions.push(...spec.actions);
      if (existing.cookie !== spec.cookie) existing.cookie = withObject(existing.cookie, SHARED);
      existing.reason = `${existing.reason}; ${spec.reason}`;
    }
  }
  return out;
}
