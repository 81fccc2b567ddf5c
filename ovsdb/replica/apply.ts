// Pure application of monitor updates to rows. `update` (RFC 7047 4.1.6) carries whole new
// rows; `update2`/`update3` (ovsdb-server(7) 4.1.14) carry diffs: new scalar values, the
// symmetric difference of sets, and for maps the keys to toggle or replace.
import type { Atom, Value } from '../protocol/notation';
import type { TableSchema } from '../schema/schema';

export type RowData = Record<string, Value>;

/**
 * Identity of an atom within one column. A column has a single atom type, so the bare value
 * suffices: the string, number or boolean itself, or the UUID text of ["uuid", U]. This runs
 * once per element of a set on every diff (a bridge's `ports` on every port change), where
 * serialising each atom used to dominate the client's cost of a commit.
 */
const keyOf = (atom: unknown): unknown => (Array.isArray(atom) ? atom[1] : atom);

function elements(value: Value | undefined): Atom[] {
  if (value === undefined) return [];
  if (Array.isArray(value) && value[0] === 'set') return value[1] as Atom[];
  return [value as Atom];
}

function entries(value: Value | undefined): Array<[Atom, Atom]> {
  if (Array.isArray(value) && value[0] === 'map') return value[1] as Array<[Atom, Atom]>;
  return [];
}

/** Applies one column diff of update2's "modify". */
export function applyColumnDiff(table: TableSchema | undefined, column: string, old: Value | undefined, diff: Value): Value {
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
  // A diff is usually one element against a large set (one port against a bridge's ports):
  // find the diff's elements in the set and copy the rest, rather than hash every element.
  const toggled = new Map<unknown, Atom>();
  for (const atom of elements(diff)) {
    const key = keyOf(atom);
    if (toggled.has(key)) toggled.delete(key);
    else toggled.set(key, atom);
  }
  const current = elements(old);
  if (toggled.size === 0) return old ?? ['set', []];
  const removeAt: number[] = [];
  if (toggled.size <= SMALL_DIFF) {
    const keys = [...toggled.keys()];
    for (let i = 0; i < current.length && removeAt.length < keys.length; i++) {
      const key = keyOf(current[i]);
      for (let k = 0; k < keys.length; k++) {
        if (keys[k] === key) {
          removeAt.push(i);
          break;
        }
      }
    }
  } else {
    for (let i = 0; i < current.length; i++) if (toggled.has(keyOf(current[i]))) removeAt.push(i);
  }
  // slice() copies in one go; growing a fresh array element by element made a large set's
  // every change a garbage-collection load.
  const atoms = current.slice();
  for (let j = removeAt.length - 1; j >= 0; j--) {
    const index = removeAt[j] as number;
    toggled.delete(keyOf(current[index]));
    atoms.splice(index, 1);
  }
  for (const atom of toggled.values()) atoms.push(atom);
  return atoms.length === 1 ? (atoms[0] as Atom) : ['set', atoms];
}

/** Up to this many changed elements, a linear search of the diff beats hashing each element. */
const SMALL_DIFF = 8;

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

/** Fills the defaults update2 omits for `initial`/`insert` rows (empty sets and maps). */
export function withDefaults(table: TableSchema | undefined, columns: readonly string[] | undefined, row: RowData): RowData {
  if (!table) return row;
  const out: RowData = { ...row };
  for (const [name, kind] of defaultPlan(table, columns)) {
    if (name in out) continue;
    // Fresh empty sets and maps per row, so no two rows share a mutable value.
    out[name] = kind === 'map' ? ['map', []] : kind === 'set' ? ['set', []] : kind === 'number' ? 0 : kind === 'boolean' ? false : '';
  }
  return out;
}
