// Turns wire values into plain JavaScript following the column types: scalars as values,
// optional columns as value-or-undefined, sets as arrays, maps with free string keys as
// records, other maps as entry arrays, UUID atoms as their UUID string. The generated row
// types (vswitch.gen.ts) describe exactly this shape; the replica stores rows in it.
import type { Atom, Uuid, Value } from '../protocol/notation';
import type { ColumnSchema, TableSchema } from './schema';

/** A decoded row of any table: its UUID and its columns. */
export interface DecodedRow {
  _uuid: Uuid;
  [column: string]: unknown;
}

/** Whether a map column decodes to a record (string keys outside any enum) or to entry pairs. */
export function decodesToRecord(column: ColumnSchema): boolean {
  return column.type.key.type === 'string' && column.type.key.enum === undefined;
}

/** A UUID atom as its UUID, any other atom as itself. */
export function decodeAtom(value: Atom): unknown {
  return Array.isArray(value) ? value[1] : value;
}

/** The atoms of a set as the server sent it (a bare atom is a set of one). */
export function wireElements(value: Value | undefined): Atom[] {
  if (value === undefined) return [];
  if (Array.isArray(value) && value[0] === 'set') return value[1];
  return [value as Atom];
}

/** The key/value pairs of a map as the server sent it. */
export function wireEntries(value: Value | undefined): Array<[Atom, Atom]> {
  return Array.isArray(value) && value[0] === 'map' ? value[1] : [];
}

export function decodeColumn(column: ColumnSchema, value: Value | undefined): unknown {
  switch (column.kind) {
    case 'scalar':
      return value === undefined ? undefined : decodeAtom(value as Atom);
    case 'optional': {
      const first = wireElements(value)[0];
      return first === undefined ? undefined : decodeAtom(first);
    }
    case 'set':
      return wireElements(value).map(decodeAtom);
    case 'map': {
      const entries = wireEntries(value);
      if (decodesToRecord(column)) return Object.fromEntries(entries.map(([k, v]) => [String(k), decodeAtom(v)]));
      return entries.map(([k, v]) => [decodeAtom(k), decodeAtom(v)]);
    }
  }
}

/**
 * Decodes the columns a wire row carries; columns the schema does not know are kept as sent.
 * T is the caller's promise that the row belongs to a table of that generated type: this is
 * the one place where wire data becomes typed rows.
 */
export function decodeRow<T>(table: TableSchema | undefined, row: Record<string, Value>): T {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(row)) {
    const value = row[name] as Value;
    if (name === '_uuid' || name === '_version') {
      out[name] = decodeAtom(value as Atom);
      continue;
    }
    const column = table?.columns.get(name);
    out[name] = column ? decodeColumn(column, value) : value;
  }
  return out as T;
}
