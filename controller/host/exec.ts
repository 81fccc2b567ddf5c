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

export function run(cmd: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  if (worker) return worker.run(cmd, args, options);
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

interface WorkerReply {
  id: number;
  code: number;
  stdout: string;
  stderr: string;
  killed: boolean;
  spawnError?: string;
}

/** Commands started by spawn-worker.ts instead of this process (see there for why). */
class SpawnWorker {
  private child: ChildProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { cmd: string; args: readonly string[]; options: ExecOptions; resolve: (r: ExecResult) => void; reject: (e: Error) => void }>();

  private start(): ChildProcess {
    const child = spawn(process.execPath, [join(__dirname, 'spawn-worker.js')], { stdio: ['pipe', 'pipe', 'inherit'] });
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => this.settle(JSON.parse(line) as WorkerReply));
    child.on('exit', () => {
      if (this.child === child) this.child = undefined;
      for (const [id, waiting] of this.pending) {
        this.pending.delete(id);
        waiting.reject(new CommandError([waiting.cmd, ...waiting.args], 1, 'the command helper process exited'));
      }
    });
    // The helper must never keep the daemon alive on its own.
    child.unref();
    (child.stdout as unknown as { unref?: () => void }).unref?.();
    (child.stdin as unknown as { unref?: () => void }).unref?.();
    return child;
  }

  run(cmd: string, args: readonly string[], options: ExecOptions): Promise<ExecResult> {
    this.child ??= this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { cmd, args, options, resolve, reject });
      const request = { id, cmd, args, timeoutMs: options.timeoutMs ?? 60_000, ...(options.input !== undefined ? { input: options.input } : {}), ...(options.env ? { env: options.env } : {}) };
      this.child?.stdin?.write(`${JSON.stringify(request)}\n`);
    });
  }

  private settle(reply: WorkerReply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    const { cmd, args, options } = waiting;
    if (reply.code !== 0 && !options.allowFailure) {
      const reason = reply.killed ? `${reply.stderr}(killed after timeout)` : reply.stderr || reply.spawnError || '';
      waiting.reject(new CommandError([cmd, ...args], reply.code, reason));
      return;
    }
    waiting.resolve({ code: reply.code, stdout: reply.stdout, stderr: reply.stderr });
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
