// How replica rows are typed. A replica is parametrised by a map from table name to row
// type: a schema's generated `Tables` (ovsdb/schema/vswitch.gen.ts) narrowed to the columns
// its monitor asks for, or GenericTables for a schema without generated types (OVN's, a
// test's). Rows are decoded into these shapes once, when an update is applied
// (replica/apply.ts), so reads hand out stored rows as they are.
import type { JsonValue } from '../protocol/jsonrpc';
import type { Uuid } from '../protocol/notation';

/** What every table map satisfies: each table's rows carry their UUID. */
export type TableMap<T> = { [K in keyof T]: { _uuid: Uuid } };

export type TableName<T> = keyof T & string;
export type ColumnName<T, K extends keyof T> = Exclude<keyof T[K] & string, '_uuid'>;

/** A row of a schema without generated types: columns by name, values decoded (ovsdb/schema/decode.ts). */
export interface GenericRow {
  _uuid: Uuid;
  [column: string]: unknown;
}

export type GenericTables = Record<string, GenericRow>;

export interface MonitorRequest<Column extends string = string> {
  /** The columns to replicate; all of them when absent. */
  columns?: readonly Column[];
  where?: JsonValue[];
}

/** Per table, what to monitor; column names are checked against the table map. */
export type MonitorRequests<T> = { [K in TableName<T>]?: MonitorRequest<ColumnName<T, K>> };

/**
 * The rows a monitor of `R` replicates: each table's row type narrowed to the columns asked
 * for, so reading a column nobody monitors does not compile.
 */
export type MonitoredTables<T, R> = {
  [K in keyof R & keyof T]: R[K] extends { columns: readonly (infer C)[] }
    ? Pick<T[K], Extract<'_uuid' | C, keyof T[K]>>
    : T[K];
};

/** A secondary index: the rows of `table` by the string `key` gives them (undefined: not indexed). */
export interface RowIndex<T, K extends TableName<T>> {
  readonly table: K;
  readonly key: (row: T[K]) => string | undefined;
}

export type ChangeKind = 'insert' | 'modify' | 'delete';

/** One row's change, as the replica reports it after applying an update. */
export type RowChange<T> = {
  [K in TableName<T>]: { table: K; uuid: Uuid; kind: ChangeKind; old?: T[K]; new?: T[K] };
}[TableName<T>];
