// Short commands by argv (never through a shell), with failures that show the command line
// and what it printed: the controller's command runner, in the argv shape the lab uses.
import { runHostCommand, type ExecOptions, type ExecResult } from '../../controller/api';

export type RunOptions = Pick<ExecOptions, 'env' | 'timeoutMs' | 'input'>;
export type RunResult = ExecResult;

/** Runs argv and resolves with how it ended, whatever the exit status. */
export function run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return runHostCommand(argv[0] as string, argv.slice(1), { ...options, allowFailure: true });
}

/** Runs argv and returns its stdout; rejects with the command line and stderr on failure. */
export function runOk(argv: readonly string[], options: RunOptions = {}): Promise<string> {
  return runHostCommand(argv[0] as string, argv.slice(1), options).then((result) => result.stdout);
}

/** argv run inside network namespace `netns`. */
export function inNetns(netns: string, argv: readonly string[]): string[] {
  return ['ip', 'netns', 'exec', netns, ...argv];
}
