// A small, strict argv parser: `command --flag --opt value --opt=value positional...`.
export class UsageError extends Error {
  readonly code = 'USAGE' as const;
}

export interface ParsedArgs {
  command: string | undefined;
  positionals: string[];
  /** The last value of each option. */
  options: Map<string, string>;
  /** Every value of each option, in order, for options that may be given more than once. */
  repeated: Map<string, string[]>;
  flags: Set<string>;
}

const BOOLEAN_FLAGS = new Set([
  'help',
  'version',
  'json',
  'internal',
  'no-docker-sync',
  'stateless',
  'allow-empty',
  'watch',
]);

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const parsed: ParsedArgs = {
    command: undefined,
    positionals: [],
    options: new Map(),
    repeated: new Map(),
    flags: new Set(),
  };
  const setOption = (name: string, value: string): void => {
    parsed.options.set(name, value);
    parsed.repeated.set(name, [...(parsed.repeated.get(name) ?? []), value]);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '-h') parsed.flags.add('help');
    else if (arg === '-V') parsed.flags.add('version');
    else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      if (name === '') throw new UsageError(`malformed option "${arg}"`);
      if (BOOLEAN_FLAGS.has(name)) {
        if (eq >= 0) throw new UsageError(`--${name} takes no value`);
        parsed.flags.add(name);
      } else if (eq >= 0) setOption(name, arg.slice(eq + 1));
      else {
        const value = argv[i + 1];
        if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
        setOption(name, value);
        i++;
      }
    } else if (parsed.command === undefined) parsed.command = arg;
    else parsed.positionals.push(arg);
  }
  return parsed;
}
