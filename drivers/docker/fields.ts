// Typed readers for the loosely typed JSON Docker sends. Each names the offending field in
// its error so `docker` shows e.g. "NetworkID is missing" instead of a type error.
import { badRequest } from './errors';

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** A string field that must be present and non-empty. */
export function requiredString(body: JsonObject, field: string, where = ''): string {
  const value = body[field];
  if (value === undefined || value === null || value === '') throw badRequest(`${where}${field} is missing`);
  if (typeof value !== 'string') throw badRequest(`${where}${field} must be a string, got ${describe(value)}`);
  return value;
}

/** A string field that may be absent, null or empty; all three read as undefined. */
export function optionalString(body: JsonObject, field: string, where = ''): string | undefined {
  const value = body[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw badRequest(`${where}${field} must be a string, got ${describe(value)}`);
  return value;
}

export function optionalBoolean(body: JsonObject, field: string, where = ''): boolean | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw badRequest(`${where}${field} must be true or false, got ${describe(value)}`);
  return value;
}

/** An object field; absent and null (old Docker versions send null) read as {}. */
export function optionalObject(body: JsonObject, field: string, where = ''): JsonObject {
  const value = body[field];
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw badRequest(`${where}${field} must be an object, got ${describe(value)}`);
  return value;
}

/** A map whose values must all be strings (IPAM options, generic driver options). */
export function stringMap(value: unknown, where: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw badRequest(`${where} must be an object of strings, got ${describe(value)}`);
  const out: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') throw badRequest(`${where}["${key}"] must be a string, got ${describe(entry)}`);
    out[key] = entry;
  }
  return out;
}

/** An integer field within [min, max]. */
export function integerField(body: JsonObject, field: string, min: number, max: number, where = ''): number {
  const value = body[field];
  if (value === undefined || value === null) throw badRequest(`${where}${field} is missing`);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw badRequest(`${where}${field} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}
