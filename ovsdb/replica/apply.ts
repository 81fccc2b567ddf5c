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
  // A diff is usually a few elements against a large set (one port against a bridge's
  // ports): look the diff up, not the set, so the set is walked once without rebuilding it.
  const toggled = new Map<unknown, Atom>();
  for (const atom of elements(diff)) {
    const key = keyOf(atom);
    if (toggled.has(key)) toggled.delete(key);
    else toggled.set(key, atom);
  }
  const atoms: Atom[] = [];
  for (const atom of elements(old)) {
    const key = keyOf(atom);
    if (toggled.has(key)) toggled.delete(key);
    else atoms.push(atom);
  }
  for (const atom of toggled.values()) atoms.push(atom);
  return atoms.length === 1 ? (atoms[0] as Atom) : ['set', atoms];
}

/** Fills the defaults update2 omits for `initial`/`insert` rows (empty sets and maps). */
export function withDefaults(table: TableSchema | undefined, columns: readonly string[] | undefined, row: RowData): RowData {
  if (!table) return row;
  const out: RowData = { ...row };
  for (const name of columns ?? table.columns.keys()) {
    if (name in out) continue;
    const column = table.columns.get(name);
    if (!column) continue;
    if (column.kind === 'map') out[name] = ['map', []];
    else if (column.kind === 'set' || column.kind === 'optional') out[name] = ['set', []];
    else if (column.type.key.type === 'integer' || column.type.key.type === 'real') out[name] = 0;
    else if (column.type.key.type === 'boolean') out[name] = false;
    else if (column.type.key.type === 'string') out[name] = '';
  }
  return out;
}
