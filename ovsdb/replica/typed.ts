// Typed views of replica rows, decoded with the schema into the generated row shapes.
import { decodeRow } from '../schema/decode';
import type { Tables } from '../schema/vswitch.gen';
import type { Replica, Row } from './replica';

export function decoded<K extends keyof Tables>(replica: Replica, table: K, row: Row): Tables[K] {
  const schema = replica.schema.tables.get(table);
  if (!schema) throw new Error(`the replica's schema has no table ${table}`);
  return decodeRow<Tables[K]>(schema, row);
}

export function typedRows<K extends keyof Tables>(replica: Replica, table: K): Array<Tables[K]> {
  return [...replica.rows(table)].map((row) => decoded(replica, table, row));
}
