// Starts and stops a private Open vSwitch (ovsdb-server + ovs-vswitchd) that lives entirely
// in one directory. `ovsnet up` uses it when no OVS is running; tests use it for isolation.
// Every file (db, sockets, pidfiles, logs) stays under `dir`, so nothing touches a system OVS.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, runOk } from '../host/exec';

export const VSWITCH_SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';

export interface PrivateOvsOptions {
  dir: string;
  /** Run both daemons inside this network namespace (name under /run/netns). */
  netns?: string;
  /** Extra arguments for ovs-vswitchd. */
  vswitchdArgs?: string[];
}

type Daemon = 'ovsdb-server' | 'ovs-vswitchd';

export class PrivateOvs {
  readonly dir: string;
  readonly netns: string | undefined;
  private readonly vswitchdArgs: string[];

  private constructor(options: PrivateOvsOptions) {
    this.dir = options.dir;
    this.netns = options.netns;
    this.vswitchdArgs = options.vswitchdArgs ?? [];
  }

  /** Creates the database if needed and starts both daemons; resolves once both answer. */
  static async start(options: PrivateOvsOptions): Promise<PrivateOvs> {
    const ovs = new PrivateOvs(options);
    mkdirSync(ovs.dir, { recursive: true });
    try {
      await ovs.startOvsdb();
      await ovs.vsctl('--no-wait', 'init');
      await ovs.startVswitchd();
    } catch (error) {
      await ovs.stop();
      throw error;
    }
    return ovs;
  }

  get dbSocket(): string {
    return join(this.dir, 'db.sock');
  }
  get dbRemote(): string {
    return `unix:${this.dbSocket}`;
  }
  get rundir(): string {
    return this.dir;
  }
  mgmtSocket(bridge: string): string {
    return join(this.dir, `${bridge}.mgmt`);
  }
  pidfile(daemon: Daemon): string {
    return join(this.dir, `${daemon}.pid`);
  }
  logfile(daemon: Daemon): string {
    return join(this.dir, `${daemon}.log`);
  }

  /** Environment that points every OVS tool at this instance. */
  get env(): NodeJS.ProcessEnv {
    return { ...process.env, OVS_RUNDIR: this.dir, OVS_LOGDIR: this.dir, OVS_DBDIR: this.dir };
  }

  async startOvsdb(): Promise<void> {
    const db = join(this.dir, 'conf.db');
    if (!existsSync(db)) await runOk('ovsdb-tool', ['create', db, VSWITCH_SCHEMA], { env: this.env });
    await this.launch('ovsdb-server', [
      `--remote=punix:${this.dbSocket}`,
      `--unixctl=${join(this.dir, 'ovsdb-server.ctl')}`,
      db,
    ]);
  }

  async startVswitchd(): Promise<void> {
    await this.launch('ovs-vswitchd', [
      `--unixctl=${join(this.dir, 'ovs-vswitchd.ctl')}`,
      ...this.vswitchdArgs,
      this.dbRemote,
    ]);
  }

  async stopOvsdb(): Promise<void> {
    await stopByPidfile(this.pidfile('ovsdb-server'));
  }

  /** Stops ovs-vswitchd first so it does not log reconnect noise, then ovsdb-server. */
  async stop(): Promise<void> {
    await stopByPidfile(this.pidfile('ovs-vswitchd'));
    await stopByPidfile(this.pidfile('ovsdb-server'));
  }

  vsctl(...args: string[]): Promise<string> {
    return runOk('ovs-vsctl', [`--db=${this.dbRemote}`, '--timeout=30', ...args], { env: this.env });
  }
  ofctl(...args: string[]): Promise<string> {
    return runOk('ovs-ofctl', args, { env: this.env });
  }
  appctl(daemon: Daemon, ...args: string[]): Promise<string> {
    return runOk('ovs-appctl', ['-t', join(this.dir, `${daemon}.ctl`), ...args], { env: this.env });
  }

  /** The last lines of both daemon logs, for failure reports. */
  logs(lines = 60): string {
    return (['ovsdb-server', 'ovs-vswitchd'] as const)
      .map((d) => `--- ${d}.log (last ${lines} lines) ---\n${tail(this.logfile(d), lines)}`)
      .join('\n');
  }

  private async launch(daemon: Daemon, args: string[]): Promise<void> {
    const argv = [
      daemon,
      '--detach',
      '--no-chdir',
      `--pidfile=${this.pidfile(daemon)}`,
      `--log-file=${this.logfile(daemon)}`,
      ...args,
    ];
    const [cmd, ...rest] = this.netns ? ['ip', 'netns', 'exec', this.netns, ...argv] : argv;
    await runOk(cmd as string, rest, { env: this.env, timeoutMs: 30_000 });
  }
}

function tail(path: string, lines: number): string {
  try {
    return readFileSync(path, 'utf8')
      .split('\n')
      .slice(-lines - 1)
      .join('\n');
  } catch {
    return '(no log)';
  }
}

export function readPid(pidfile: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(pidfile, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL; resolves when the process is gone. */
export async function stopPid(pid: number, graceMs = 5_000): Promise<void> {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(20);
  if (isAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      return;
    }
    while (isAlive(pid)) await sleep(20);
  }
}

export async function stopByPidfile(pidfile: string): Promise<void> {
  const pid = readPid(pidfile);
  if (pid !== undefined) await stopPid(pid);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** True when `ovs-vsctl show` answers on the given remote within a short timeout. */
export async function ovsdbReachable(remote: string): Promise<boolean> {
  const result = await run('ovs-vsctl', [`--db=${remote}`, '--timeout=2', 'show'], {
    allowFailure: true,
    timeoutMs: 5_000,
  });
  return result.code === 0;
}
