// Parses any .ovsschema / get_schema answer (RFC 7047 section 3.2) into a typed form that
// tells, per column, whether values are scalars, sets or maps: the replica needs this to
// apply update2 diffs, and the model generator to write row types.

export type AtomicType = 'integer' | 'real' | 'boolean' | 'string' | 'uuid';

export interface BaseType {
  type: AtomicType;
  enum?: unknown[];
  refTable?: string;
  refType?: 'strong' | 'weak';
  minInteger?: number;
  maxInteger?: number;
}

export interface ColumnType {
  key: BaseType;
  value?: BaseType;
  min: number;
  /** Infinity for "unlimited". */
  max: number;
}

export type ColumnKind = 'scalar' | 'optional' | 'set' | 'map';

export interface ColumnSchema {
  name: string;
  type: ColumnType;
  kind: ColumnKind;
  ephemeral: boolean;
  mutable: boolean;
}

export interface TableSchema {
  name: string;
  columns: Map<string, ColumnSchema>;
  isRoot: boolean;
  indexes: string[][];
  maxRows?: number;
}

export interface DatabaseSchema {
  name: string;
  version: string;
  cksum?: string;
  tables: Map<string, TableSchema>;
}

export class SchemaError extends Error {
  readonly code = 'OVSDB_SCHEMA' as const;
}

const ATOMIC = new Set(['integer', 'real', 'boolean', 'string', 'uuid']);

function parseBase(value: unknown, where: string): BaseType {
  if (typeof value === 'string') {
    if (!ATOMIC.has(value)) throw new SchemaError(`${where}: unknown atomic type "${value}"`);
    return { type: value as AtomicType };
  }
  if (typeof value !== 'object' || value === null) throw new SchemaError(`${where}: bad base type`);
  const v = value as Record<string, unknown>;
  if (typeof v['type'] !== 'string' || !ATOMIC.has(v['type']))
    throw new SchemaError(`${where}: unknown atomic type ${JSON.stringify(v['type'])}`);
  const base: BaseType = { type: v['type'] as AtomicType };
  if (Array.isArray(v['enum']) && v['enum'][0] === 'set') base.enum = v['enum'][1] as unknown[];
  else if (v['enum'] !== undefined) base.enum = [v['enum']];
  if (typeof v['refTable'] === 'string') {
    base.refTable = v['refTable'];
    base.refType = v['refType'] === 'weak' ? 'weak' : 'strong';
  }
  if (typeof v['minInteger'] === 'number') base.minInteger = v['minInteger'];
  if (typeof v['maxInteger'] === 'number') base.maxInteger = v['maxInteger'];
  return base;
}

function parseType(value: unknown, where: string): ColumnType {
  if (typeof value === 'string') return { key: parseBase(value, where), min: 1, max: 1 };
  if (typeof value !== 'object' || value === null) throw new SchemaError(`${where}: bad column type`);
  const v = value as Record<string, unknown>;
  const type: ColumnType = {
    key: parseBase(v['key'], `${where}.key`),
    min: typeof v['min'] === 'number' ? v['min'] : 1,
    max: v['max'] === 'unlimited' ? Infinity : typeof v['max'] === 'number' ? v['max'] : 1,
  };
  if (v['value'] !== undefined) type.value = parseBase(v['value'], `${where}.value`);
  return type;
}

export function kindOf(type: ColumnType): ColumnKind {
  if (type.value !== undefined) return 'map';
  if (type.min === 1 && type.max === 1) return 'scalar';
  if (type.min === 0 && type.max === 1) return 'optional';
  return 'set';
}

export function parseSchema(json: unknown): DatabaseSchema {
  if (typeof json !== 'object' || json === null) throw new SchemaError('schema must be an object');
  const s = json as Record<string, unknown>;
  if (typeof s['name'] !== 'string') throw new SchemaError('schema has no name');
  const tables = new Map<string, TableSchema>();
  for (const [tableName, tableJson] of Object.entries((s['tables'] ?? {}) as Record<string, unknown>)) {
    const t = tableJson as Record<string, unknown>;
    const columns = new Map<string, ColumnSchema>();
    for (const [columnName, columnJson] of Object.entries((t['columns'] ?? {}) as Record<string, unknown>)) {
      const c = columnJson as Record<string, unknown>;
      const type = parseType(c['type'], `${tableName}.${columnName}`);
      columns.set(columnName, {
        name: columnName,
        type,
        kind: kindOf(type),
        ephemeral: c['ephemeral'] === true,
        mutable: c['mutable'] !== false,
      });
    }
    const table: TableSchema = {
      name: tableName,
      columns,
      isRoot: t['isRoot'] === true,
      indexes: Array.isArray(t['indexes']) ? (t['indexes'] as string[][]) : [],
    };
    if (typeof t['maxRows'] === 'number') table.maxRows = t['maxRows'];
    tables.set(tableName, table);
  }
  const schema: DatabaseSchema = {
    name: s['name'],
    version: typeof s['version'] === 'string' ? s['version'] : '',
    tables,
  };
  if (typeof s['cksum'] === 'string') schema.cksum = s['cksum'];
  return schema;
}
