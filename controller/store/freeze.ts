// Stored values are handed to every reader without copying, so nobody may change them in
// place: both stores freeze what they hand out, deeply.
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
