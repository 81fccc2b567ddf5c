// An in-memory copy of the monitored tables: rows by UUID, secondary indexes maintained on
// every change, and change events. It only applies updates; the client feeds it.
import { EventEmitter } from 'node:events';
import type { Uuid, Value } from '../protocol/notation';
import type { DatabaseSchema } from '../schema/schema';
import { applyColumnDiff, withDefaults, type RowData } from './apply';

export interface Row extends RowData {
  _uuid: ['uuid', Uuid];
}

export type ChangeKind = 'insert' | 'modify' | 'delete';

export interface RowChange {
  table: string;
  uuid: Uuid;
  kind: ChangeKind;
  old?: Row;
  new?: Row;
}

type IndexKey = (row: Row) => string | undefined;

interface IndexDef {
  table: string;
  key: IndexKey;
  map: Map<string, Set<Uuid>>;
}

export interface ReplicaEvents {
  change: [changes: RowChange[]];
  reset: [];
}

export class Replica extends EventEmitter<ReplicaEvents> {
  private readonly tables = new Map<string, Map<Uuid, Row>>();
  private readonly indexes = new Map<string, IndexDef>();

  constructor(
    readonly schema: DatabaseSchema,
    /** Columns monitored per table (for defaults). */
    readonly columns: Record<string, string[] | undefined>,
  ) {
    super();
    // Every caller waiting for a row (a port to be realised, say) listens for changes;
    // hundreds at once are normal under load, not a leak.
    this.setMaxListeners(0);
    for (const table of Object.keys(columns)) this.tables.set(table, new Map());
  }

  rows(table: string): IterableIterator<Row> {
    return (this.tables.get(table) ?? new Map<Uuid, Row>()).values();
  }

  count(table: string): number {
    return this.tables.get(table)?.size ?? 0;
  }

  get(table: string, uuid: Uuid): Row | undefined {
    return this.tables.get(table)?.get(uuid);
  }

  /** Declares an index: rows of `table` by the string `key` returns (undefined = not indexed). */
  createIndex(name: string, table: string, key: IndexKey): void {
    const def: IndexDef = { table, key, map: new Map() };
    for (const row of this.rows(table)) addToIndex(def, row);
    this.indexes.set(name, def);
  }

  /** Rows whose index key equals `value`. */
  lookup(index: string, value: string): Row[] {
    const def = this.indexes.get(index);
    if (!def) throw new Error(`no index named "${index}"`);
    const table = this.tables.get(def.table);
    return [...(def.map.get(value) ?? [])].map((u) => table?.get(u)).filter((r): r is Row => r !== undefined);
  }

  lookupOne(index: string, value: string): Row | undefined {
    return this.lookup(index, value)[0];
  }

  /** Drops all rows (a full resynchronisation follows). */
  clear(): void {
    for (const table of this.tables.values()) table.clear();
    for (const def of this.indexes.values()) def.map.clear();
    this.emit('reset');
  }

  /** Applies an RFC 7047 `update` (table -> uuid -> {old, new}). */
  applyUpdate(updates: Record<string, Record<string, { old?: RowData; new?: RowData }>>): void {
    const changes: RowChange[] = [];
    for (const [tableName, rows] of Object.entries(updates)) {
      for (const [uuidText, change] of Object.entries(rows)) {
        const uuid = uuidText as Uuid;
        const existing = this.get(tableName, uuid);
        if (change.new === undefined) {
          if (existing) changes.push(this.remove(tableName, uuid, existing));
          continue;
        }
        // "new" holds every monitored column (RFC 7047 4.1.6); merging keeps rows whole even
        // when a server sends less.
        const merged = { ...(existing ?? {}), ...change.new, _uuid: ['uuid', uuid] } as Row;
        changes.push(this.put(tableName, uuid, existing, merged));
      }
    }
    if (changes.length > 0) this.emit('change', changes);
  }

  /** Applies `update2`/`update3` table-updates2. */
  applyUpdate2(updates: Record<string, Record<string, Record<string, RowData | null>>>): void {
    const changes: RowChange[] = [];
    for (const [tableName, rows] of Object.entries(updates)) {
      const tableSchema = this.schema.tables.get(tableName);
      for (const [uuidText, op] of Object.entries(rows)) {
        const uuid = uuidText as Uuid;
        const existing = this.get(tableName, uuid);
        if ('delete' in op) {
          if (existing) changes.push(this.remove(tableName, uuid, existing));
        } else if ('initial' in op || 'insert' in op) {
          const data = (op['initial'] ?? op['insert'] ?? {}) as RowData;
          // withDefaults returns a copy of its own, so the UUID goes straight into it.
          const row = withDefaults(tableSchema, this.columns[tableName], data) as Row;
          row._uuid = ['uuid', uuid];
          changes.push(this.put(tableName, uuid, existing, row));
        } else if ('modify' in op && existing) {
          const next: Row = { ...existing };
          for (const [column, diff] of Object.entries(op['modify'] ?? {})) {
            next[column] = applyColumnDiff(tableSchema, column, existing[column], diff as Value);
          }
          changes.push(this.put(tableName, uuid, existing, next));
        }
      }
    }
    if (changes.length > 0) this.emit('change', changes);
  }

  private put(table: string, uuid: Uuid, old: Row | undefined, row: Row): RowChange {
    let rows = this.tables.get(table);
    if (!rows) {
      rows = new Map();
      this.tables.set(table, rows);
    }
    for (const def of this.indexes.values()) {
      if (def.table !== table) continue;
      if (old) removeFromIndex(def, old);
      addToIndex(def, row);
    }
    rows.set(uuid, row);
    return old ? { table, uuid, kind: 'modify', old, new: row } : { table, uuid, kind: 'insert', new: row };
  }

  private remove(table: string, uuid: Uuid, old: Row): RowChange {
    for (const def of this.indexes.values()) if (def.table === table) removeFromIndex(def, old);
    this.tables.get(table)?.delete(uuid);
    return { table, uuid, kind: 'delete', old };
  }
}

function addToIndex(def: IndexDef, row: Row): void {
  const key = def.key(row);
  if (key === undefined) return;
  let set = def.map.get(key);
  if (!set) {
    set = new Set();
    def.map.set(key, set);
  }
  set.add(row._uuid[1]);
}

function removeFromIndex(def: IndexDef, row: Row): void {
  const key = def.key(row);
  if (key === undefined) return;
  const set = def.map.get(key);
  set?.delete(row._uuid[1]);
  if (set && set.size === 0) def.map.delete(key);
}
