// Transaction operations (RFC 7047 section 5.2) built as plain values, sent in one place.
import type { Atom, NamedUuid, UuidAtom, Value } from './notation';

export type ConditionFunction = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'includes' | 'excludes';
export type Condition = [string, ConditionFunction, Value];
export type Mutator = '+=' | '-=' | '*=' | '/=' | '%=' | 'insert' | 'delete';
export type Mutation = [string, Mutator, Value];
export type Row = Record<string, Value>;

export type Operation =
  | { op: 'insert'; table: string; row: Row; 'uuid-name'?: NamedUuid }
  | { op: 'select'; table: string; where: Condition[]; columns?: string[] }
  | { op: 'update'; table: string; where: Condition[]; row: Row }
  | { op: 'mutate'; table: string; where: Condition[]; mutations: Mutation[] }
  | { op: 'delete'; table: string; where: Condition[] }
  | {
      op: 'wait';
      table: string;
      where: Condition[];
      columns: string[];
      until: '==' | '!=';
      rows: Row[];
      timeout?: number;
    }
  | { op: 'commit'; durable: boolean }
  | { op: 'abort' }
  | { op: 'comment'; comment: string }
  | { op: 'assert'; lock: string };

/** What one successful operation answers (RFC 7047 5.2); which members appear depends on the op. */
export interface OperationResult {
  /** insert: the new row's UUID. */
  uuid?: UuidAtom;
  /** select: the matching rows, in wire notation. */
  rows?: Row[];
  /** update, mutate, delete: how many rows matched. */
  count?: number;
}

export const insert = (table: string, row: Row, uuidName?: NamedUuid): Operation =>
  uuidName === undefined ? { op: 'insert', table, row } : { op: 'insert', table, row, 'uuid-name': uuidName };
export const select = (table: string, where: Condition[] = [], columns?: string[]): Operation =>
  columns === undefined ? { op: 'select', table, where } : { op: 'select', table, where, columns };
export const update = (table: string, where: Condition[], row: Row): Operation => ({ op: 'update', table, where, row });
export const mutate = (table: string, where: Condition[], mutations: Mutation[]): Operation => ({
  op: 'mutate',
  table,
  where,
  mutations,
});
export const del = (table: string, where: Condition[]): Operation => ({ op: 'delete', table, where });
export const wait = (
  table: string,
  where: Condition[],
  columns: string[],
  until: '==' | '!=',
  rows: Row[],
  timeout?: number,
): Operation =>
  timeout === undefined
    ? { op: 'wait', table, where, columns, until, rows }
    : { op: 'wait', table, where, columns, until, rows, timeout };
export const commit = (durable: boolean): Operation => ({ op: 'commit', durable });
export const abort = (): Operation => ({ op: 'abort' });
export const comment = (text: string): Operation => ({ op: 'comment', comment: text });
export const assertLock = (lock: string): Operation => ({ op: 'assert', lock });

export const eq = (column: string, value: Value): Condition => [column, '==', value];
export const includes = (column: string, value: Value): Condition => [column, 'includes', value];
export type { Atom };
