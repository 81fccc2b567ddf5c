// Pure application of monitor updates to rows. `update` (RFC 7047 4.1.6) carries whole new
// rows; `update2`/`update3` (ovsdb-server(7) 4.1.14) carry diffs: new scalar values, the
// symmetric difference of sets, and for maps the keys to toggle or replace.
import type { Atom, Value } from '../protocol/notation';
import type { TableSchema } from '../schema/schema';
import { applySetDiff, keyOf } from './set-diff';

export type RowData = Record<string, Value>;

function entries(value: Value | undefined): Array<[Atom, Atom]> {
  if (Array.isArray(value) && value[0] === 'map') return value[1] as Array<[Atom, Atom]>;
  return [];
}

/** Applies one column diff of update2's "modify". */
export function applyColumnDiff(
  table: TableSchema | undefined,
  column: string,
  old: Value | undefined,
  diff: Value,
): Value {
  const kind = table?.columns.get(column)?.kind ?? 'scalar';
  if (kind === 'scalar') return diff;
  if (kind === 'map') {
    const result = new Map(entries(old).map(([k, v]) => [keyOf(k), [k, v] as [Atom, Atom]]));
    for (const [k, v] of entries(diff)) {
      const current = result.get(keyOf(k));
      if (current === undefined) result.set(keyOf(k), [k, v]);
      else if (keyOf(current[1]) === keyOf(v)) result.delete(keyOf(k));
      else result.set(keyOf(k), [k, v]);
    }
    return ['map', [...result.values()]];
  }
  return applySetDiff(old, diff);
}

type DefaultKind = 'map' | 'set' | 'number' | 'boolean' | 'string';

/** Per table and column list, the columns that have a default and its kind: worked out once, not per row. */
const defaultPlans = new WeakMap<TableSchema, Map<readonly string[] | undefined, Array<[string, DefaultKind]>>>();

function defaultPlan(table: TableSchema, columns: readonly string[] | undefined): Array<[string, DefaultKind]> {
  let byColumns = defaultPlans.get(table);
  if (!byColumns) {
    byColumns = new Map();
    defaultPlans.set(table, byColumns);
  }
  let plan = byColumns.get(columns);
  if (plan) return plan;
  plan = [];
  for (const name of columns ?? table.columns.keys()) {
    const column = table.columns.get(name);
    if (!column) continue;
    if (column.kind === 'map') plan.push([name, 'map']);
    else if (column.kind === 'set' || column.kind === 'optional') plan.push([name, 'set']);
    else if (column.type.key.type === 'integer' || column.type.key.type === 'real') plan.push([name, 'number']);
    else if (column.type.key.type === 'boolean') plan.push([name, 'boolean']);
    else if (column.type.key.type === 'string') plan.push([name, 'string']);
  }
  byColumns.set(columns, plan);
  return plan;
}

/** A copy of the row with the defaults update2 omits for `initial`/`insert` rows (empty sets and maps). */
export function withDefaults(
  table: TableSchema | undefined,
  columns: readonly string[] | undefined,
  row: RowData,
): RowData {
  if (!table) return { ...row };
  const out: RowData = { ...row };
  for (const [name, kind] of defaultPlan(table, columns)) {
    if (name in out) continue;
    // Fresh empty sets and maps per row, so no two rows share a mutable value.
    out[name] =
      kind === 'map'
        ? ['map', []]
        : kind === 'set'
          ? ['set', []]
          : kind === 'number'
            ? 0
            : kind === 'boolean'
              ? false
              : '';
  }
  return out;
}
