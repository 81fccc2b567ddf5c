// The shapes of what a server sends into a replica, checked before any of it is applied:
// a malformed update must end the session (and be read again whole), never throw out of a
// socket handler nor leave a replica half changed. The client checks the messages around
// the rows; the replica, which knows the schema, checks each value against its column.
import type { BaseType, ColumnSchema, TableSchema } from '../schema/schema';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Why `value` is no RFC 7047 <table-updates> (table -> uuid -> {old?, new?}); undefined when it is. */
export function tableUpdatesProblem(value: unknown): string | undefined {
  return eachRowUpdate(value, (update) => {
    if (!isObject(update)) return 'is not an object';
    for (const key of Object.keys(update)) if (key !== 'old' && key !== 'new') return `has an unknown member "${key}"`;
    if (update.old !== undefined && !isObject(update.old)) return '"old" is not a row';
    if (update.new !== undefined && !isObject(update.new)) return '"new" is not a row';
    return undefined;
  });
}

/** Why `value` is no ovsdb-server(7) <table-updates2>; undefined when it is. */
export function tableUpdates2Problem(value: unknown): string | undefined {
  return eachRowUpdate(value, (update) => {
    if (!isObject(update)) return 'is not an object';
    const keys = Object.keys(update);
    if (keys.length !== 1) return `has ${keys.length} members, not one of initial/insert/modify/delete`;
    const [key] = keys as [string];
    if (key === 'delete') return update.delete === null ? undefined : '"delete" is not null';
    if (key !== 'initial' && key !== 'insert' && key !== 'modify') return `has an unknown member "${key}"`;
    return isObject(update[key]) ? undefined : `"${key}" is not a row`;
  });
}

function eachRowUpdate(value: unknown, check: (update: unknown) => string | undefined): string | undefined {
  if (!isObject(value)) return 'the table updates are not an object';
  for (const [table, rows] of Object.entries(value)) {
    if (!isObject(rows)) return `the updates of table ${table} are not an object`;
    for (const [uuid, update] of Object.entries(rows)) {
      if (!UUID.test(uuid)) return `table ${table} names a row "${uuid}" that is no UUID`;
      const problem = check(update);
      if (problem) return `the update of ${table} row ${uuid} ${problem}`;
    }
  }
  return undefined;
}

/** Why the params of an update/update2/update3 notification are malformed; undefined when they are not. */
export function notificationProblem(method: string, params: readonly unknown[]): string | undefined {
  if (method === 'update3') {
    if (params.length !== 3) return `update3 has ${params.length} params, not 3`;
    if (typeof params[1] !== 'string') return 'the last transaction id of update3 is not a string';
    return tableUpdates2Problem(params[2]);
  }
  if (params.length !== 2) return `${method} has ${params.length} params, not 2`;
  return method === 'update2' ? tableUpdates2Problem(params[1]) : tableUpdatesProblem(params[1]);
}

/** Why a reply to monitor / monitor_cond / monitor_cond_since is malformed; undefined when it is not. */
export function monitorReplyProblem(method: string, reply: unknown): string | undefined {
  if (method !== 'monitor_cond_since')
    return method === 'monitor_cond' ? tableUpdates2Problem(reply) : tableUpdatesProblem(reply);
  if (!Array.isArray(reply) || reply.length !== 3)
    return 'the reply to monitor_cond_since is not [found, txn, updates]';
  if (typeof reply[0] !== 'boolean') return 'the "found" of monitor_cond_since is not a boolean';
  if (typeof reply[1] !== 'string') return 'the last transaction id of monitor_cond_since is not a string';
  return tableUpdates2Problem(reply[2]);
}

function atomProblem(base: BaseType, atom: unknown): string | undefined {
  switch (base.type) {
    case 'integer':
      return Number.isSafeInteger(atom) ? undefined : `${JSON.stringify(atom)} is not an integer`;
    case 'real':
      return typeof atom === 'number' ? undefined : `${JSON.stringify(atom)} is not a number`;
    case 'boolean':
      return typeof atom === 'boolean' ? undefined : `${JSON.stringify(atom)} is not a boolean`;
    case 'string':
      return typeof atom === 'string' ? undefined : `${JSON.stringify(atom)} is not a string`;
    case 'uuid':
      return Array.isArray(atom) &&
        atom.length === 2 &&
        (atom[0] === 'uuid' || atom[0] === 'named-uuid') &&
        typeof atom[1] === 'string'
        ? undefined
        : `${JSON.stringify(atom)} is not a uuid`;
  }
}

/** Why `value` cannot be (or be a diff of) a value of `column`; undefined when it can. */
export function valueProblem(column: ColumnSchema, value: unknown): string | undefined {
  const { key, value: valueType } = column.type;
  if (column.kind === 'map') {
    if (!Array.isArray(value) || value.length !== 2 || value[0] !== 'map' || !Array.isArray(value[1]))
      return 'is not a map';
    for (const pair of value[1] as unknown[]) {
      if (!Array.isArray(pair) || pair.length !== 2) return 'holds an entry that is no [key, value] pair';
      const problem = atomProblem(key, pair[0]) ?? (valueType && atomProblem(valueType, pair[1]));
      if (problem) return `holds an entry where ${problem}`;
    }
    return undefined;
  }
  if (column.kind === 'scalar') return atomProblem(key, value);
  // Sets and optional values: a bare atom is a set of one.
  if (Array.isArray(value) && value[0] === 'set') {
    if (value.length !== 2 || !Array.isArray(value[1])) return 'is not a set';
    for (const atom of value[1] as unknown[]) {
      const problem = atomProblem(key, atom);
      if (problem) return `holds an element where ${problem}`;
    }
    return undefined;
  }
  return atomProblem(key, value);
}

/** Why a row (or update2 diff) of `table` holds a value its column cannot; undefined when it does not. */
export function rowProblem(table: TableSchema, row: Record<string, unknown>): string | undefined {
  for (const [name, value] of Object.entries(row)) {
    if (name === '_uuid' || name === '_version') continue;
    const column = table.columns.get(name);
    // The server sends only columns asked for, and those exist in the schema it gave.
    if (!column) return `names a column ${table.name}.${name} the schema does not have`;
    const problem = valueProblem(column, value);
    if (problem) return `column ${table.name}.${name} ${problem}`;
  }
  return undefined;
}
