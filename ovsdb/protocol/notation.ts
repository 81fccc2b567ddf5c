// RFC 7047 section 5.1 value notation, with branded types so a row UUID and a named UUID
// (a placeholder valid only inside one transaction) can never be confused.

declare const uuidBrand: unique symbol;
declare const namedUuidBrand: unique symbol;

/** A real row UUID, as the server assigned it. */
export type Uuid = string & { readonly [uuidBrand]: true };
/** A uuid-name chosen by the client for a row inserted in the same transaction. */
export type NamedUuid = string & { readonly [namedUuidBrand]: true };

export type Atom = string | number | boolean | UuidAtom | NamedUuidAtom;
export type UuidAtom = ['uuid', Uuid];
export type NamedUuidAtom = ['named-uuid', NamedUuid];
export type OvsSet = ['set', Atom[]];
export type OvsMap = ['map', Array<[Atom, Atom]>];
/** Any value a column can hold on the wire. */
export type Value = Atom | OvsSet | OvsMap;

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

export class NotationError extends Error {
  readonly code = 'OVSDB_NOTATION' as const;
}

export function asUuid(text: string): Uuid {
  if (!UUID_PATTERN.test(text)) throw new NotationError(`"${text}" is not a UUID`);
  return text as Uuid;
}

export function asNamedUuid(name: string): NamedUuid {
  if (!ID_PATTERN.test(name))
    throw new NotationError(`"${name}" is not a valid uuid-name (letters, digits, underscore)`);
  return name as NamedUuid;
}

export const uuid = (u: Uuid): UuidAtom => ['uuid', u];
export const namedUuid = (n: NamedUuid): NamedUuidAtom => ['named-uuid', n];
export const set = (atoms: Atom[]): OvsSet => ['set', atoms];
export const map = (entries: Record<string, Atom> | Array<[Atom, Atom]>): OvsMap => [
  'map',
  Array.isArray(entries) ? entries : Object.entries(entries),
];
/** An optional value: the empty set when absent, the bare atom otherwise. */
export const optional = (atom: Atom | undefined): Atom | OvsSet => (atom === undefined ? ['set', []] : atom);

export function isUuidAtom(value: unknown): value is UuidAtom {
  return Array.isArray(value) && value.length === 2 && value[0] === 'uuid' && typeof value[1] === 'string';
}

/** Elements of a set column as sent by the server (a bare atom means a set of one). */
export function setElements(value: unknown): Atom[] {
  if (Array.isArray(value) && value[0] === 'set') return value[1] as Atom[];
  if (value === undefined) return [];
  return [value as Atom];
}

/** The map of a map column as a JS Map (keys and values as atoms). */
export function mapEntries(value: unknown): Map<Atom, Atom> {
  if (Array.isArray(value) && value[0] === 'map') return new Map(value[1] as Array<[Atom, Atom]>);
  return new Map();
}

/** A string-to-string map column (external_ids, options, other_config) as a record. */
export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of mapEntries(value)) out[String(k)] = String(v);
  return out;
}

/** UUIDs referenced by a reference column. */
export function uuidsOf(value: unknown): Uuid[] {
  return setElements(value)
    .filter(isUuidAtom)
    .map((a) => a[1]);
}

/** The single atom of an optional column, or undefined when it is the empty set. */
export function optionalAtom(value: unknown): Atom | undefined {
  const elements = setElements(value);
  return elements[0];
}
