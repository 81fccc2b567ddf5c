// update2's set diffs (ovsdb-server(7) 4.1.14): the diff holds the symmetric difference, so
// each element in it is added when absent and removed when present. The common case is one
// element against a large set - one port against a bridge's `ports` - so the cost must not
// grow with the set beyond one copy of it.
import type { Atom, Value } from '../protocol/notation';

/**
 * Identity of an atom within one column. A column has a single atom type, so the bare value
 * suffices: the string, number or boolean itself, or the UUID text of ["uuid", U].
 */
export const keyOf = (atom: unknown): unknown => (Array.isArray(atom) ? atom[1] : atom);

function elements(value: Value | undefined): Atom[] {
  if (value === undefined) return [];
  if (Array.isArray(value) && value[0] === 'set') return value[1] as Atom[];
  return [value as Atom];
}

/** From this size on, a set carries a hash of its keys, so membership costs no scan. */
const LARGE_SET = 64;

/**
 * Key hashes of large sets, by the array the row holds. Rows are never changed in place: a
 * diff makes a new array, and its hash moves over to it, updated by the diff's elements.
 */
const keyIndexes = new WeakMap<readonly Atom[], Set<unknown>>();

function keyIndex(atoms: readonly Atom[]): Set<unknown> {
  let keys = keyIndexes.get(atoms);
  if (!keys) {
    keys = new Set(atoms.map(keyOf));
    keyIndexes.set(atoms, keys);
  }
  return keys;
}

export function applySetDiff(old: Value | undefined, diff: Value): Value {
  const toggled = new Map<unknown, Atom>();
  for (const atom of elements(diff)) {
    const key = keyOf(atom);
    if (toggled.has(key)) toggled.delete(key);
    else toggled.set(key, atom);
  }
  if (toggled.size === 0) return old ?? ['set', []];
  const current = elements(old);
  const keys = current.length >= LARGE_SET ? keyIndex(current) : new Set(current.map(keyOf));
  // slice() copies in one go; growing a fresh array element by element made a large set's
  // every change a garbage-collection load.
  const atoms = current.slice();
  for (const [key, atom] of toggled) {
    if (keys.has(key)) {
      keys.delete(key);
      atoms.splice(
        atoms.findIndex((a) => keyOf(a) === key),
        1,
      );
    } else {
      keys.add(key);
      atoms.push(atom);
    }
  }
  if (current.length >= LARGE_SET) {
    keyIndexes.delete(current);
    if (atoms.length >= LARGE_SET) keyIndexes.set(atoms, keys);
  }
  return atoms.length === 1 ? (atoms[0] as Atom) : ['set', atoms];
}
