// Pure application of monitor updates to decoded rows. `update` (RFC 7047 4.1.6) carries
// whole new rows; `update2`/`update3` (ovsdb-server(7) 4.1.14) carry diffs: new scalar
// values, the symmetric difference of sets, and for maps the keys to toggle or replace.
// Only what an update names is decoded: a new row once, a modified row column by column.
import type { Uuid, Value } from '../protocol/notation';
import {
  decodeAtom,
  decodeColumn,
  decodeRow,
  decodesToRecord,
  wireElements,
  wireEntries,
  type DecodedRow,
} from '../schema/decode';
import type { ColumnSchema, TableSchema } from '../schema/schema';
import { applyOptionalDiff, applySetDiff } from './set-diff';

/** A row as the server writes it. */
export type WireRow = Record<string, Value>;

/** RFC 7047 <table-updates>: table -> row UUID -> the row before and after. */
export type TableUpdates = Record<string, Record<string, { old?: WireRow; new?: WireRow }>>;

/** ovsdb-server(7) <row-update2>. */
export type RowUpdate2 = { initial: WireRow } | { insert: WireRow } | { modify: WireRow } | { delete: null };

/** ovsdb-server(7) <table-updates2>: table -> row UUID -> what happened to it. */
export type TableUpdates2 = Record<string, Record<string, RowUpdate2>>;

type Default = () => unknown;

/** Per table and column list, the defaults update2 omits, worked out once, not per row. */
const defaultPlans = new WeakMap<TableSchema, Map<readonly string[] | undefined, Array<[string, Default]>>>();

function defaultOf(column: ColumnSchema): Default | undefined {
  // Fresh empty sets and maps per row, so no two rows share a mutable value.
  if (column.kind === 'map') return decodesToRecord(column) ? () => ({}) : () => [];
  if (column.kind === 'set') return () => [];
  if (column.kind === 'optional') return () => undefined;
  switch (column.type.key.type) {
    case 'integer':
    case 'real':
      return () => 0;
    case 'boolean':
      return () => false;
    case 'string':
      return () => '';
    case 'uuid':
      return undefined;
  }
}

function defaultPlan(table: TableSchema, columns: readonly string[] | undefined): Array<[string, Default]> {
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
    const fallback = column && defaultOf(column);
    if (fallback) plan.push([name, fallback]);
  }
  byColumns.set(columns, plan);
  return plan;
}

/** A new row, decoded, with the defaults update2 leaves out of `initial`/`insert` (empty sets and maps). */
export function decodeNewRow(
  table: TableSchema | undefined,
  columns: readonly string[] | undefined,
  uuid: Uuid,
  data: WireRow,
): DecodedRow {
  const row = decodeRow<DecodedRow>(table, data);
  row._uuid = uuid;
  if (!table) return row;
  for (const [name, fallback] of defaultPlan(table, columns)) if (!Object.hasOwn(row, name)) row[name] = fallback();
  return row;
}

/** A map diff: a key absent is added, present with the same value removed, with another value replaced. */
function applyMapDiff(column: ColumnSchema, current: unknown, diff: Value): unknown {
  const asRecord = decodesToRecord(column);
  const entries = new Map<unknown, unknown>(
    asRecord
      ? Object.entries((current ?? {}) as Record<string, unknown>)
      : ((current ?? []) as Array<[unknown, unknown]>),
  );
  for (const [k, v] of wireEntries(diff)) {
    const key = asRecord ? String(k) : decodeAtom(k);
    const value = decodeAtom(v);
    if (entries.has(key) && entries.get(key) === value) entries.delete(key);
    else entries.set(key, value);
  }
  return asRecord ? Object.fromEntries(entries) : [...entries];
}

/** One column of update2's "modify", applied to the decoded value it replaces. */
export function applyColumnDiff(column: ColumnSchema | undefined, current: unknown, diff: Value): unknown {
  if (!column) return diff;
  switch (column.kind) {
    case 'scalar':
      return decodeColumn(column, diff);
    case 'optional':
      return applyOptionalDiff(current, wireElements(diff).map(decodeAtom));
    case 'set':
      return applySetDiff((current ?? []) as unknown[], wireElements(diff).map(decodeAtom));
    case 'map':
      return applyMapDiff(column, current, diff);
  }
}
