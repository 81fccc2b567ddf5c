// Processes the lab starts, known by pid plus start time: a pid the kernel has since given
// to someone else never matches, so `down` can only ever end what the lab started.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

export interface ProcessIdentity {
  pid: number;
  /** Start time in clock ticks since boot (field 22 of /proc/PID/stat). */
  start: string;
}

interface ProcStat {
  state: string;
  start: string;
}

function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const start = fields[19];
  return state === undefined || start === undefined ? undefined : { state, start };
}

export function identify(pid: number): ProcessIdentity | undefined {
  const stat = procStat(pid);
  return stat ? { pid, start: stat.start } : undefined;
}

/** Alive and still the same process (a zombie counts as gone: it only waits to be reaped). */
export function isRunning(process: ProcessIdentity): boolean {
  const stat = procStat(process.pid);
  return stat !== undefined && stat.start === process.start && stat.state !== 'Z';
}

export function signal(process: ProcessIdentity, name: NodeJS.Signals): void {
  if (!isRunning(process)) return;
  try {
    globalThis.process.kill(process.pid, name);
  } catch {
    // ended between the check and the signal
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves once none of the processes runs, or after timeoutMs; returns those still running. */
export async function waitGone(processes: readonly ProcessIdentity[], timeoutMs: number): Promise<ProcessIdentity[]> {
  const deadline = Date.now() + timeoutMs;
  let left = processes.filter(isRunning);
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(25);
    left = left.filter(isRunning);
  }
  return left;
}

/** SIGTERM, then SIGKILL for whatever is still running after graceMs. */
export async function stopAll(processes: readonly ProcessIdentity[], graceMs: number): Promise<void> {
  for (const p of processes) signal(p, 'SIGTERM');
  const stubborn = await waitGone(processes, graceMs);
  for (const p of stubborn) signal(p, 'SIGKILL');
  await waitGone(stubborn, 5_000);
}

export async function killAll(processes: readonly ProcessIdentity[]): Promise<void> {
  for (const p of processes) signal(p, 'SIGKILL');
  await waitGone(processes, 5_000);
}

/**
 * Starts a long-lived process that outlives the caller (`lab up` exits, the lab stays):
 * its own process group, output to a log file, not waited for.
 */
export function spawnDetached(argv: readonly string[], log: string, env?: NodeJS.ProcessEnv): ProcessIdentity {
  const fd = openSync(log, 'a');
  try {
    const child = spawn(argv[0] as string, argv.slice(1), {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: env ?? process.env,
    });
    child.unref();
    // A start failure (no such binary) surfaces as a dead pid in the readiness check.
    child.on('error', () => undefined);
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not start ${argv.join(' ')}`);
    return identify(pid) ?? { pid, start: '' };
  } finally {
    closeSync(fd);
  }
}

/** The last lines of a log file, for error messages. */
export function tail(path: string, lines = 25): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
