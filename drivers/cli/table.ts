// Human output of the `ovsnet` commands: aligned columns under a title row.

/** A column: its title and how a row fills it (the row's type is the method's result). */
export type Column<R> = [title: string, cell: (row: R) => string | number | boolean | undefined];

export function table<R>(rows: readonly R[], columns: Array<Column<R>>): string {
  const cells = rows.map((r) => columns.map(([, get]) => String(get(r) ?? '')));
  const widths = columns.map(([title], i) => Math.max(title.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (values: string[]): string =>
    values
      .map((v, i) => v.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return [line(columns.map(([title]) => title)), ...cells.map(line)].join('\n');
}

/** Docker-style short ids. */
export const short = (id: string): string => id.slice(0, 12);
