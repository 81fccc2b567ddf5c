// Runs host commands by argv (never through a shell) and reports failures with the
// command line and its stderr, so a user sees exactly what the system refused.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

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

/** How one command ended, before it is judged (kept plain so the helper process can send it). */
export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  /** Killed after its timeout. */
  killed: boolean;
  /** Node's own description of the failure (e.g. a command that could not be started). */
  message?: string;
}

/** Starts one command by argv and reports how it ended; never rejects. */
export function execOnce(
  cmd: string,
  args: readonly string[],
  options: Pick<ExecOptions, 'env' | 'timeoutMs' | 'input'> = {},
): Promise<Outcome> {
  return new Promise((resolve) => {
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
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({
          code,
          stdout,
          stderr,
          killed: error?.killed === true,
          ...(error ? { message: String(error.message) } : {}),
        });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** The result of a command, or a CommandError when it failed and failure was not allowed. */
function judge(cmd: string, args: readonly string[], options: ExecOptions, outcome: Outcome): ExecResult {
  if (outcome.code !== 0 && !options.allowFailure) {
    const reason = outcome.killed
      ? `${outcome.stderr}(killed after timeout)`
      : outcome.stderr || (outcome.message ?? '');
    throw new CommandError([cmd, ...args], outcome.code, reason);
  }
  return { code: outcome.code, stdout: outcome.stdout, stderr: outcome.stderr };
}

export async function run(cmd: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  const outcome = worker ? await worker.run(cmd, args, options) : await execOnce(cmd, args, options);
  return judge(cmd, args, options, outcome);
}

/** Runs a command and returns its stdout, rejecting with CommandError on failure. */
export async function runOk(cmd: string, args: readonly string[], options: ExecOptions = {}): Promise<string> {
  return (await run(cmd, args, options)).stdout;
}

/** Commands started by spawn-worker.ts instead of this process (see there for why). */
class SpawnWorker {
  private child: ChildProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (outcome: Outcome) => void; reject: (e: Error) => void; argv: string[] }
  >();

  private start(): ChildProcess {
    const child = spawn(process.execPath, [join(__dirname, 'spawn-worker.js')], { stdio: ['pipe', 'pipe', 'inherit'] });
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const reply = JSON.parse(line) as Outcome & { id: number };
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      this.holdOpen(child, this.pending.size > 0);
      waiting?.resolve(reply);
    });
    child.on('exit', () => {
      if (this.child === child) this.child = undefined;
      for (const [id, waiting] of this.pending) {
        this.pending.delete(id);
        waiting.reject(new CommandError(waiting.argv, 1, 'the command helper process exited'));
      }
    });
    // An idle helper must never keep the daemon alive on its own.
    this.holdOpen(child, false);
    (child.stdin as unknown as { unref?: () => void }).unref?.();
    return child;
  }

  /**
   * While a reply is awaited the helper keeps the process alive, as a child of its own
   * would: otherwise a process whose last work is a command (a daemon stopping) exits
   * mid-await, before its cleanup has run.
   */
  private holdOpen(child: ChildProcess, busy: boolean): void {
    const stdout = child.stdout as unknown as { ref?: () => void; unref?: () => void };
    if (busy) {
      child.ref();
      stdout.ref?.();
    } else {
      child.unref();
      stdout.unref?.();
    }
  }

  run(cmd: string, args: readonly string[], options: ExecOptions): Promise<Outcome> {
    this.child ??= this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, argv: [cmd, ...args] });
      if (this.pending.size === 1 && this.child) this.holdOpen(this.child, true);
      const request = {
        id,
        cmd,
        args,
        timeoutMs: options.timeoutMs ?? 60_000,
        ...(options.input !== undefined ? { input: options.input } : {}),
        ...(options.env ? { env: options.env } : {}),
      };
      this.child?.stdin?.write(`${JSON.stringify(request)}\n`);
    });
  }

  stop(): void {
    this.child?.stdin?.end();
    this.child = undefined;
  }
}

let worker: SpawnWorker | undefined;

/** Long-running processes (the daemon) start commands through a small helper process. */
export function useSpawnWorker(enabled: boolean): void {
  if (enabled && !worker) worker = new SpawnWorker();
  if (!enabled && worker) {
    worker.stop();
    worker = undefined;
  }
}
