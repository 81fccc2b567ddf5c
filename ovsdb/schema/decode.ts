// Turns a wire row into plain JavaScript following the column types: scalars as values,
// optional columns as value-or-undefined, sets as arrays, string-keyed maps as records,
// other maps as entry arrays, UUID atoms as their UUID string. The generated row types
// (vswitch.gen.ts) describe exactly this shape.
import type { Atom, Value } from '../protocol/notation';
import type { ColumnSchema, TableSchema } from './schema';

function atom(value: Atom): unknown {
  return Array.isArray(value) ? value[1] : value;
}

function elements(value: Value | undefined): Atom[] {
  if (value === undefined) return [];
  if (Array.isArray(value) && value[0] === 'set') return value[1] as Atom[];
  return [value as Atom];
}

export function decodeColumn(column: ColumnSchema, value: Value | undefined): unknown {
  switch (column.kind) {
    case 'scalar':
      return value === undefined ? undefined : atom(value as Atom);
    case 'optional': {
      const first = elements(value)[0];
      return first === undefined ? undefined : atom(first);
    }
    case 'set':
      return elements(value).map(atom);
    case 'map': {
      const entries = Array.isArray(value) && value[0] === 'map' ? (value[1] as Array<[Atom, Atom]>) : [];
      if (column.type.key.type === 'string') return Object.fromEntries(entries.map(([k, v]) => [String(k), atom(v)]));
      return entries.map(([k, v]) => [atom(k), atom(v)]);
    }
  }
}

export function decodeRow<T>(table: TableSchema, row: Record<string, Value>): T {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(row)) {
    if (name === '_uuid' || name === '_version') {
      out[name] = atom(value as Atom);
      continue;
    }
    const column = table.columns.get(name);
    out[name] = column ? decodeColumn(column, value) : value;
  }
  return out as T;
}
