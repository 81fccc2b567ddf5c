// Options a command accepts, so a misspelled one fails loudly instead of silently leaving
// its setting at the default. The accepted names come from the help text itself: an
// option documented there is accepted, and one that is accepted is documented.
import { UsageError } from './args';

/** Every `--name` written in `text`. */
export function optionsIn(text: string): Set<string> {
  return new Set([...text.matchAll(/--([a-z][a-z0-9-]*)/g)].map((m) => m[1] as string));
}

/** Edit distance (insertions, deletions, substitutions, swaps of neighbours). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const prev = d[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/** The valid name nearest to `name`, if one is near enough to be what was meant. */
export function closestOption(name: string, valid: Iterable<string>): string | undefined {
  let best: { option: string; cost: number } | undefined;
  for (const option of valid) {
    // A part of a name (`--pool` for `--port-pool`) is as near as one typo.
    const cost = option.startsWith(name) || option.endsWith(name) ? 1 : distance(name, option);
    if (!best || cost < best.cost) best = { option, cost };
  }
  return best && best.cost <= Math.max(2, Math.floor(best.option.length / 3)) ? best.option : undefined;
}

/** Throws a UsageError for the first option of `given` that `command` does not know. */
export function requireKnownOptions(command: string, given: Iterable<string>, valid: ReadonlySet<string>): void {
  for (const name of given) {
    if (valid.has(name)) continue;
    const near = closestOption(name, valid);
    throw new UsageError(
      `unknown option --${name} for 'ovsnet ${command}'${near ? `; did you mean --${near}?` : ''} (see 'ovsnet --help')`,
    );
  }
}
