// An in-memory copy of the monitored tables: decoded rows by UUID, secondary indexes
// maintained on every change, and change events. It only applies updates; the client feeds
// it. Typed by a table map (replica/typed.ts): rows are decoded into that shape as updates
// are applied, so every read hands out a stored row with no work of its own.
import { EventEmitter } from 'node:events';
import type { Uuid } from '../protocol/notation';
import { decodeRow, type DecodedRow } from '../schema/decode';
import type { DatabaseSchema, TableSchema } from '../schema/schema';
import { applyColumnDiff, decodeNewRow, type TableUpdates, type TableUpdates2 } from './apply';
import { rowProblem } from './shape';
import type { GenericTables, RowChange, RowIndex, TableMap, TableName } from './typed';

interface IndexState {
  table: string;
  key: (row: DecodedRow) => string | undefined;
  map: Map<string, Set<Uuid>>;
}

export interface ReplicaEvents<T> {
  change: [changes: Array<RowChange<T>>];
  reset: [];
}

type UntypedChange = RowChange<GenericTables>;

const NO_ROWS = new Map<Uuid, DecodedRow>();

export class Replica<T extends TableMap<T> = GenericTables> extends EventEmitter<ReplicaEvents<T>> {
  private readonly tables = new Map<string, Map<Uuid, DecodedRow>>();
  private readonly indexes = new Map<object, IndexState>();

  constructor(
    readonly schema: DatabaseSchema,
    /** Columns monitored per table (for defaults). */
    readonly columns: Record<string, readonly string[] | undefined>,
  ) {
    super();
    // Every caller waiting for a row (a port to be realised, say) listens for changes;
    // hundreds at once are normal under load, not a leak.
    this.setMaxListeners(0);
    for (const table of Object.keys(columns)) this.tables.set(table, new Map());
  }

  // Stored rows were decoded with the schema the table map was generated from (or, for
  // GenericTables, are any decoded row): handing them out as T[K] is that promise kept.
  rows<K extends TableName<T>>(table: K): IterableIterator<T[K]> {
    return (this.tables.get(table) ?? NO_ROWS).values() as IterableIterator<T[K]>;
  }

  count(table: TableName<T>): number {
    return this.tables.get(table)?.size ?? 0;
  }

  get<K extends TableName<T>>(table: K, uuid: Uuid): T[K] | undefined {
    return this.tables.get(table)?.get(uuid) as T[K] | undefined;
  }

  /** Starts maintaining an index; the index object itself is the handle to look it up by. */
  createIndex<K extends TableName<T>>(index: RowIndex<T, K>): void {
    const state: IndexState = {
      table: index.table,
      key: index.key as (row: DecodedRow) => string | undefined,
      map: new Map(),
    };
    for (const row of this.tables.get(index.table)?.values() ?? []) addToIndex(state, row);
    this.indexes.set(index, state);
  }

  /** Rows whose index key equals `value`. */
  lookup<K extends TableName<T>>(index: RowIndex<T, K>, value: string): Array<T[K]> {
    const state = this.indexes.get(index);
    if (!state) throw new Error(`no index on ${index.table} was created with this definition`);
    const rows = this.tables.get(state.table) ?? NO_ROWS;
    const out: Array<T[K]> = [];
    for (const uuid of state.map.get(value) ?? []) {
      const row = rows.get(uuid);
      if (row) out.push(row as T[K]);
    }
    return out;
  }

  lookupOne<K extends TableName<T>>(index: RowIndex<T, K>, value: string): T[K] | undefined {
    return this.lookup(index, value)[0];
  }

  /** Drops all rows (a full resynchronisation follows). */
  clear(): void {
    for (const table of this.tables.values()) table.clear();
    for (const state of this.indexes.values()) state.map.clear();
    this.emit('reset');
  }

  /** Applies an RFC 7047 `update` (table -> uuid -> {old, new}). */
  applyUpdate(updates: TableUpdates): void {
    this.checkRows(updates, (change) => [change.old, change.new]);
    this.applyRows(updates, (tableSchema, tableName, uuid, existing, change) => {
      if (change.new === undefined) return existing && this.remove(tableName, uuid, existing);
      // "new" holds every monitored column (RFC 7047 4.1.6); merging keeps rows whole even
      // when a server sends less.
      const row = existing
        ? { ...existing, ...decodeRow<Partial<DecodedRow>>(tableSchema, change.new), _uuid: uuid }
        : decodeNewRow(tableSchema, this.columns[tableName], uuid, change.new);
      return this.put(tableName, uuid, existing, row);
    });
  }

  /** Applies `update2`/`update3` table-updates2. */
  applyUpdate2(updates: TableUpdates2): void {
    this.checkRows(updates, (op) => [
      'initial' in op ? op.initial : 'insert' in op ? op.insert : 'modify' in op ? op.modify : undefined,
    ]);
    this.applyRows(updates, (tableSchema, tableName, uuid, existing, op) => {
      if ('delete' in op) return existing && this.remove(tableName, uuid, existing);
      if ('initial' in op || 'insert' in op) {
        const data = 'initial' in op ? op.initial : op.insert;
        const row = decodeNewRow(tableSchema, this.columns[tableName], uuid, data);
        return this.put(tableName, uuid, existing, row);
      }
      if (!existing) return undefined;
      // Only the columns the diff names are decoded; the rest are shared with the old row.
      const next: DecodedRow = { ...existing };
      for (const [column, diff] of Object.entries(op.modify)) {
        next[column] = applyColumnDiff(tableSchema?.columns.get(column), existing[column], diff);
      }
      return this.put(tableName, uuid, existing, next);
    });
  }

  /**
   * Hands every row an update names to `apply` with the copy held so far, then announces
   * the changes it made as one event: both update formats walk (table -> uuid -> update).
   */
  private applyRows<U>(
    updates: Record<string, Record<string, U>>,
    apply: (
      tableSchema: TableSchema | undefined,
      tableName: string,
      uuid: Uuid,
      existing: DecodedRow | undefined,
      update: U,
    ) => UntypedChange | undefined,
  ): void {
    const changes: UntypedChange[] = [];
    for (const [tableName, rows] of Object.entries(updates)) {
      const tableSchema = this.schema.tables.get(tableName);
      for (const [uuidText, update] of Object.entries(rows)) {
        const uuid = uuidText as Uuid;
        const change = apply(tableSchema, tableName, uuid, this.tables.get(tableName)?.get(uuid), update);
        if (change) changes.push(change);
      }
    }
    this.emitChanges(changes);
  }

  /** Throws, before anything is applied, when a row holds a value its column cannot. */
  private checkRows<U>(updates: Record<string, Record<string, U>>, rowsOf: (update: U) => unknown[]): void {
    for (const [tableName, rows] of Object.entries(updates)) {
      const tableSchema = this.schema.tables.get(tableName);
      if (!tableSchema) throw new Error(`table ${tableName} is not in the database`);
      for (const [uuid, update] of Object.entries(rows)) {
        for (const row of rowsOf(update)) {
          if (row === undefined) continue;
          const problem = rowProblem(tableSchema, row as Record<string, unknown>);
          if (problem) throw new Error(`row ${uuid}: ${problem}`);
        }
      }
    }
  }

  private emitChanges(changes: UntypedChange[]): void {
    if (changes.length > 0) this.emit('change', changes as unknown as Array<RowChange<T>>);
  }

  private put(table: string, uuid: Uuid, old: DecodedRow | undefined, row: DecodedRow): UntypedChange {
    let rows = this.tables.get(table);
    if (!rows) {
      rows = new Map();
      this.tables.set(table, rows);
    }
    for (const state of this.indexes.values()) {
      if (state.table !== table) continue;
      if (old) removeFromIndex(state, old);
      addToIndex(state, row);
    }
    rows.set(uuid, row);
    return old ? { table, uuid, kind: 'modify', old, new: row } : { table, uuid, kind: 'insert', new: row };
  }

  private remove(table: string, uuid: Uuid, old: DecodedRow): UntypedChange {
    for (const state of this.indexes.values()) if (state.table === table) removeFromIndex(state, old);
    this.tables.get(table)?.delete(uuid);
    return { table, uuid, kind: 'delete', old };
  }
}

function addToIndex(state: IndexState, row: DecodedRow): void {
  const key = state.key(row);
  if (key === undefined) return;
  let set = state.map.get(key);
  if (!set) {
    set = new Set();
    state.map.set(key, set);
  }
  set.add(row._uuid);
}

function removeFromIndex(state: IndexState, row: DecodedRow): void {
  const key = state.key(row);
  if (key === undefined) return;
  const set = state.map.get(key);
  set?.delete(row._uuid);
  if (set && set.size === 0) state.map.delete(key);
}
