// How the command line entry points end on an error: usage mistakes exit 2, everything
// else 1, always with one line on stderr naming the command.
import { UsageError } from './args';

export function reportAndExit(util: string): (error: unknown) => never {
  return (error: unknown) => {
    process.stderr.write(`${util}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof UsageError ? 2 : 1);
  };
}
