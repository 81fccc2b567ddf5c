// Runs host commands by argv (never through a shell) and reports failures with the
// command line and its stderr, so a user sees exactly what the system refused.
import { execFile } from 'node:child_process';

export interface ExecOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  input?: string;
  /** Resolve with the result instead of rejecting on a non-zero exit. */
  allowFailure?: boolean;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class CommandError extends Error {
  readonly code = 'COMMAND_FAILED' as const;
  constructor(
    readonly argv: readonly string[],
    readonly exitCode: number,
    readonly stderr: string,
  ) {
    super(`${argv.join(' ')} exited with ${exitCode}: ${stderr.trim() || '(no stderr)'}`);
  }
}

export function run(cmd: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      args as string[],
      {
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 256 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        const exitCode = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        const result = { code: exitCode, stdout, stderr };
        if (exitCode !== 0 && !options.allowFailure) {
          const reason = error && error.killed ? `${stderr}(killed after timeout)` : stderr || String(error?.message ?? '');
          reject(new CommandError([cmd, ...args], exitCode, reason));
          return;
        }
        resolve(result);
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Runs a command and returns its stdout, rejecting with CommandError on failure. */
export async function runOk(cmd: string, args: readonly string[], options: ExecOptions = {}): Promise<string> {
  return (await run(cmd, args, options)).stdout;
}
