// update2's set diffs (ovsdb-server(7) 4.1.14) on decoded sets: the diff holds the symmetric
// difference, so each element in it is added when absent and removed when present. Decoded
// elements are primitives (a UUID is its string), so an element is its own identity. The
// common case is one element against a large set - one port against a bridge's `ports` - so
// the cost must not grow with the set beyond one copy of it.

/** From this size on, a set carries a hash of its elements, so membership costs no scan. */
const LARGE_SET = 64;

/**
 * Element hashes of large sets, by the array the row holds. Rows are never changed in place:
 * a diff makes a new array, and its hash moves over to it, updated by the diff's elements.
 */
const elementIndexes = new WeakMap<readonly unknown[], Set<unknown>>();

function elementIndex(elements: readonly unknown[]): Set<unknown> {
  let keys = elementIndexes.get(elements);
  if (!keys) {
    keys = new Set(elements);
    elementIndexes.set(elements, keys);
  }
  return keys;
}

/** The elements that change membership: those the diff names an odd number of times. */
function toggledBy(diff: readonly unknown[]): Set<unknown> {
  const toggled = new Set<unknown>();
  for (const element of diff) {
    if (toggled.has(element)) toggled.delete(element);
    else toggled.add(element);
  }
  return toggled;
}

/** `current` with each element of `diff` added when absent and removed when present; never in place. */
export function applySetDiff(current: readonly unknown[], diff: readonly unknown[]): unknown[] {
  const toggled = toggledBy(diff);
  if (toggled.size === 0) return current as unknown[];
  const large = current.length >= LARGE_SET;
  const keys = large ? elementIndex(current) : new Set(current);
  // slice() copies in one go; growing a fresh array element by element made a large set's
  // every change a garbage-collection load.
  const elements = current.slice();
  for (const element of toggled) {
    if (keys.has(element)) {
      keys.delete(element);
      elements.splice(elements.indexOf(element), 1);
    } else {
      keys.add(element);
      elements.push(element);
    }
  }
  if (large) {
    elementIndexes.delete(current);
    if (elements.length >= LARGE_SET) elementIndexes.set(elements, keys);
  }
  return elements;
}

/**
 * An optional column (a set of at most one) after a diff. ovsdb-server sends the new value
 * for columns of at most one element (ovsdb_datum_diff diffs only sets of more), e.g.
 * "secure" when fail_mode goes from standalone to secure, and ["set", []] when it is
 * cleared; a symmetric difference of two elements is read as such too. Each reading gives
 * the same answer wherever both could apply.
 */
export function applyOptionalDiff(current: unknown, diff: readonly unknown[]): unknown {
  if (diff.length === 0) return undefined;
  if (diff.length === 1) return diff[0] === current ? undefined : diff[0];
  return applySetDiff(current === undefined ? [] : [current], diff)[0];
}
