// Short commands by argv (never through a shell), with failures that show the command line
// and what it printed.
import { execFile } from 'node:child_process';

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  input?: string;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(
      argv[0] as string,
      argv.slice(1),
      {
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        const reason = error && code === 1 && !stderr ? String(error.message) : stderr;
        resolve({ code, stdout, stderr: error?.killed ? `${reason}(killed after timeout)` : reason });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Runs argv and returns its stdout; rejects with the command line and stderr on failure. */
export async function runOk(argv: readonly string[], options: RunOptions = {}): Promise<string> {
  const result = await run(argv, options);
  if (result.code !== 0)
    throw new Error(`${argv.join(' ')} exited with ${result.code}: ${result.stderr.trim() || '(no stderr)'}`);
  return result.stdout;
}

/** argv run inside network namespace `netns`. */
export function inNetns(netns: string, argv: readonly string[]): string[] {
  return ['ip', 'netns', 'exec', netns, ...argv];
}
