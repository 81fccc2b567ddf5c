// The lab as a module, for tests and benchmarks that want one lab shared by many checks:
// Lab.up() brings it up in-process, exec() runs commands inside a host, down() removes it.
// The `vagrant/lab` command line (main.ts) is a thin shell over the same functions.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { join } from 'node:path';
import { labDown } from './down';
import { hostArgv, hostEnv } from './host-env';
import { findHost, type HostPlan, type LabPlan } from './plan';
import { run, type RunOptions, type RunResult } from './run';
import { readState, type LabState, type ProcessRecord } from './state';
import { printLog, type Log } from './steps';
import { labUp, type UpOptions } from './up';

export { LAB_IMAGE } from './busybox';
export { OVSNET_CLI } from './ovsnet-daemon';
export type { HostPlan, LabPlan, Tunnel } from './plan';
export type { ProcessRecord } from './state';

/** The compiled `vagrant/lab` entry point (for `down` from a synchronous exit handler). */
export const LAB_MAIN = join(__dirname, 'main.js');

export class Lab {
  private constructor(private state: LabState) {}

  static async up(options: UpOptions): Promise<Lab> {
    return new Lab(await labUp(options));
  }

  /** The lab already up in dir. */
  static open(dir: string): Lab {
    const state = readState(dir);
    if (!state) throw new Error(`no lab in ${dir} (start one with: vagrant/lab up --dir ${dir})`);
    return new Lab(state);
  }

  get plan(): LabPlan {
    return this.state.plan;
  }
  get dir(): string {
    return this.plan.dir;
  }
  get hosts(): HostPlan[] {
    return this.plan.hosts;
  }
  /** The ovsnet daemon options only multi-host ovsnet has that this lab passes (e.g. etcd). */
  get daemonOptions(): string[] {
    return this.state.daemonOptions;
  }
  host(name: string): HostPlan {
    return findHost(this.plan, name);
  }
  /** The processes recorded so far, read fresh from the state file. */
  processes(): ProcessRecord[] {
    this.state = readState(this.dir) ?? this.state;
    return this.state.processes;
  }

  env(host: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
    return hostEnv(this.plan, this.host(host), base);
  }

  /** Runs command inside the host and resolves with its exit code and output. */
  exec(host: string, command: readonly string[], options: Omit<RunOptions, 'env'> = {}): Promise<RunResult> {
    return run(hostArgv(this.host(host), command), { ...options, env: this.env(host) });
  }

  /** Like exec, but rejects with the command and its stderr unless it exits 0. */
  async execOk(host: string, command: readonly string[], options: Omit<RunOptions, 'env'> = {}): Promise<string> {
    const result = await this.exec(host, command, options);
    if (result.code !== 0)
      throw new Error(`${host}: ${command.join(' ')} exited with ${result.code}: ${result.stderr.trim()}`);
    return result.stdout;
  }

  down(log: Log = printLog): Promise<boolean> {
    return labDown(this.dir, log);
  }
}

/** Runs command inside the host with the caller's terminal; resolves with its exit status. */
export function execInteractive(dir: string, host: string, command: readonly string[]): Promise<number> {
  const lab = Lab.open(dir);
  const argv = hostArgv(lab.host(host), command);
  return new Promise((resolve) => {
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: 'inherit', env: lab.env(host) });
    child.once('error', (error) => {
      process.stderr.write(`${String(error)}\n`);
      resolve(127);
    });
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
}
