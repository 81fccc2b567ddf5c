// A flow-table interpreter for unit tests: runs a frame through the pipeline's FlowSpecs
// the way ovs-vswitchd would (highest priority wins, goto_table and resubmit, register
// loads and moves, set_field, conjunctive matches) and reports where it comes out. It
// answers "does this frame from A reach B?" without a switch, in microseconds.
import { fieldDef } from '../ofp/fields';
import { encodeValue, type FieldValue } from '../ofp/values';
import type { Action } from '../ofp/actions';
import type { MatchField } from '../ofp/match';
import type { FlowSpec } from './spec';
import { TABLES, tableName, type TableName } from './tables';

/** A frame as field values (ovs-fields names); absent fields are absent from the frame. */
export type Frame = Record<string, FieldValue>;

export interface Delivery {
  port: number;
  /** The frame as it left (set_field and move applied). */
  frame: Map<string, bigint>;
}

export interface SimulationResult {
  deliveries: Delivery[];
  /** Each table visited and the reason of the flow that matched (or "miss"). */
  trace: string[];
}

const MAX_RESUBMITS = 64;

function toBig(field: string, value: FieldValue): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(value);
  const def = fieldDef(field);
  if (!def) throw new Error(`the simulator does not know field ${field}`);
  const bytes = encodeValue(def, value);
  return bytes.length === 0 ? 0n : BigInt(`0x${bytes.toString('hex')}`);
}

function widthOf(field: string): number {
  if (/^reg\d+$/.test(field)) return 32;
  const def = fieldDef(field);
  if (!def) throw new Error(`the simulator does not know field ${field}`);
  return def.length * 8;
}

function matches(frame: Map<string, bigint>, match: readonly MatchField[], skipConjId = false): boolean {
  for (const m of match) {
    if (skipConjId && m.field === 'conj_id') continue;
    const actual = frame.get(m.field) ?? (/^reg\d+$/.test(m.field) ? 0n : undefined);
    if (actual === undefined) return false;
    const mask = m.mask === undefined ? (1n << BigInt(widthOf(m.field))) - 1n : toBig(m.field, m.mask);
    if ((actual & mask) !== (toBig(m.field, m.value) & mask)) return false;
  }
  return true;
}

/** The flow OVS would pick in one table, with conjunctive matches resolved. */
function lookup(flows: readonly FlowSpec[], frame: Map<string, bigint>): FlowSpec | undefined {
  let best: FlowSpec | undefined;
  const clauses = new Map<string, Set<number>>(); // "priority/id" -> clauses matched
  const totals = new Map<string, number>();
  for (const flow of flows) {
    const conj = flow.actions.filter((a): a is Extract<Action, { type: 'conjunction' }> => a.type === 'conjunction');
    if (conj.length > 0) {
      if (!matches(frame, flow.match)) continue;
      for (const c of conj) {
        const key = `${flow.priority}/${c.id}`;
        const seen = clauses.get(key) ?? new Set<number>();
        seen.add(c.clause);
        clauses.set(key, seen);
        totals.set(key, c.nClauses);
      }
      continue;
    }
    if (flow.match.some((m) => m.field === 'conj_id')) continue; // resolved below
    if (matches(frame, flow.match) && (!best || flow.priority > best.priority)) best = flow;
  }
  for (const flow of flows) {
    const conjId = flow.match.find((m) => m.field === 'conj_id');
    if (!conjId) continue;
    const key = `${flow.priority}/${String(conjId.value)}`;
    if ((clauses.get(key)?.size ?? 0) < (totals.get(key) ?? Infinity)) continue;
    if (matches(frame, flow.match, true) && (!best || flow.priority > best.priority)) best = flow;
  }
  return best;
}

export function simulate(flows: readonly FlowSpec[], input: Frame): SimulationResult {
  const byTable = new Map<TableName, FlowSpec[]>();
  for (const flow of flows) byTable.set(flow.table, [...(byTable.get(flow.table) ?? []), flow]);
  const frame = new Map<string, bigint>(Object.entries(input).map(([k, v]) => [k, toBig(k, v)]));
  const inPort = Number(frame.get('in_port') ?? 0n);
  const result: SimulationResult = { deliveries: [], trace: [] };
  let depth = 0;

  const run = (table: TableName): void => {
    if (++depth > MAX_RESUBMITS) throw new Error('resubmit depth exceeded (a loop in the pipeline?)');
    const flow = lookup(byTable.get(table) ?? [], frame);
    result.trace.push(`${table}: ${flow ? flow.reason : 'miss (drop)'}`);
    if (!flow) return;
    for (const action of flow.actions) apply(action);
    if (flow.goto !== undefined) run(flow.goto);
  };

  const apply = (action: Action): void => {
    switch (action.type) {
      case 'output': {
        const port = action.port === 'in_port' ? inPort : typeof action.port === 'number' ? action.port : NaN;
        // OpenFlow never sends a frame back out of its input port unless told so by in_port.
        if (Number.isNaN(port) || (action.port !== 'in_port' && port === inPort)) return;
        result.deliveries.push({ port, frame: new Map(frame) });
        return;
      }
      case 'set_field':
        frame.set(action.field, toBig(action.field, action.value));
        return;
      case 'load': {
        const ofs = BigInt(action.ofs ?? 0);
        const mask = ((1n << BigInt(action.nBits ?? widthOf(action.field))) - 1n) << ofs;
        const old = frame.get(action.field) ?? 0n;
        frame.set(action.field, (old & ~mask) | ((BigInt(action.value) << ofs) & mask));
        return;
      }
      case 'move': {
        const src = ((frame.get(action.src) ?? 0n) >> BigInt(action.srcOfs)) & ((1n << BigInt(action.nBits)) - 1n);
        const mask = ((1n << BigInt(action.nBits)) - 1n) << BigInt(action.dstOfs);
        frame.set(action.dst, ((frame.get(action.dst) ?? 0n) & ~mask) | (src << BigInt(action.dstOfs)));
        return;
      }
      case 'resubmit': {
        const name = tableName(action.table);
        if (name) run(name);
        return;
      }
      default:
        return; // notes, conjunction (handled in lookup) and the rest change nothing here
    }
  };

  run([...TABLES.values()][0]?.name as TableName);
  return result;
}

/** The ports a frame reaches (sorted). */
export function reaches(flows: readonly FlowSpec[], input: Frame): number[] {
  return simulate(flows, input)
    .deliveries.map((d) => d.port)
    .sort((a, b) => a - b);
}
