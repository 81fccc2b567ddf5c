// The real `ovsnet daemon` as its own process inside a test host namespace, serving a
// plugin directory (a private dockerd's, usually): started, killed (-9) and restarted on the
// same state directory, as an operator or a crash would.
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { run, runOk } from '../../controller/host/exec';
import { makeRunDir } from './ledger';
import type { OvsInstance } from './ovs';
import type { RigScope } from './rig';
import { until } from './until';
import { DAEMON_NODE_FLAGS } from '../../drivers/cli/heap-settings';

const CLI = join(__dirname, '..', '..', 'drivers', 'cli', 'main.js');

export interface DaemonSettings {
  ovs: Pick<OvsInstance, 'dbRemote' | 'rundir'>;
  stateDir: string;
  /** Where the Docker plugin socket goes (a private dockerd's plugin directory, or any). */
  pluginDir: string;
  logLevel: string;
}

/** The arguments of `ovsnet daemon` on a private OVS's br-int (userspace datapath). */
export function daemonArgs(settings: DaemonSettings): string[] {
  return [
    'daemon',
    '--ovsdb',
    settings.ovs.dbRemote,
    '--ovs-rundir',
    settings.ovs.rundir,
    '--bridge',
    'br-int',
    '--datapath',
    'netdev',
    '--state-dir',
    settings.stateDir,
    '--plugin-dir',
    settings.pluginDir,
    '--log-level',
    settings.logLevel,
  ];
}

export interface DaemonExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class OvsnetDaemon {
  private child: ChildProcess | undefined;
  private output = '';
  /** Settles when the current child exits, with how it ended. */
  private exit: Promise<DaemonExit> | undefined;

  constructor(
    private readonly ovs: OvsInstance,
    private readonly pluginDir: string,
    readonly stateDir: string,
    private readonly extraArgs: string[] = [],
    /** node's own flags for the daemon's process (say `--cpu-prof`), before the script. */
    private readonly nodeArgs: string[] = [],
  ) {}

  /**
   * Starts the daemon and waits until its plugin socket serves; `env` is added to the test's
   * environment and `args` to the daemon's own (for this start only).
   */
  async start(env: Record<string, string> = {}, args: string[] = []): Promise<void> {
    if (this.child) throw new Error('the ovsnet daemon is already running');
    const marker = this.output.length;
    const settings = {
      ovs: this.ovs,
      stateDir: this.stateDir,
      pluginDir: this.pluginDir,
      logLevel: process.env['OVSNET_TEST_LOG_LEVEL'] ?? 'info',
    };
    const child = this.ovs.netns.spawn(
      process.execPath,
      [...DAEMON_NODE_FLAGS, ...this.nodeArgs, CLI, ...daemonArgs(settings), ...this.extraArgs, ...args],
      {
        ...process.env,
        ...env,
      },
    );
    this.child = child;
    this.exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const keep = (c: Buffer): void => {
      this.output = (this.output + c.toString()).slice(-4_000_000);
    };
    child.stderr?.on('data', keep);
    child.stdout?.on('data', keep);
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    await until(
      'the ovsnet plugin serving',
      () => this.output.slice(marker).includes('Docker plugin is serving') || this.child !== child,
      30_000,
    );
    if (this.child !== child) throw new Error('the ovsnet daemon exited during start-up');
  }

  /** Waits for the daemon started last to exit by itself (a crash), at most timeoutMs. */
  async exited(timeoutMs: number): Promise<DaemonExit> {
    const exit = this.exit;
    if (!exit) throw new Error('the ovsnet daemon was never started');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the ovsnet daemon did not exit within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([exit, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** kill -9: no chance to close sockets, flush or clean up. */
  async kill9(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGKILL');
    await new Promise<void>((resolve) =>
      child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
    );
    this.child = undefined;
  }

  /** SIGTERM and wait for a clean exit (the state store is closed afterwards). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
    this.child = undefined;
  }

  /** `ovsnet <args> --json` against this daemon's control socket. */
  async cli(...args: string[]): Promise<unknown> {
    const out = await runOk(process.execPath, [CLI, ...args, '--state-dir', this.stateDir, '--json']);
    return JSON.parse(out) as unknown;
  }

  /** Runs the CLI and reports failure instead of throwing. */
  async tryCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return run(process.execPath, [CLI, ...args, '--state-dir', this.stateDir], { allowFailure: true });
  }

  logs(lines = 120): string {
    return this.output.split('\n').slice(-lines).join('\n');
  }
}

/**
 * The daemon for this OVS with a fresh state directory (not started yet): the scope stops
 * it and then removes the directory, and shows its output with any failure.
 */
export function ovsnetDaemonFor(
  scope: RigScope,
  ovs: OvsInstance,
  options: { pluginDir?: string; extraArgs?: string[] } = {},
): OvsnetDaemon {
  const stateDir = makeRunDir('state');
  scope.defer(() => rmSync(stateDir, { recursive: true, force: true }));
  const daemon = new OvsnetDaemon(ovs, options.pluginDir ?? join(stateDir, 'plugins'), stateDir, options.extraArgs);
  scope.defer(() => daemon.stop());
  scope.showLogs(daemon);
  return daemon;
}

/** `docker network create` arguments for an ovsnet network with ovsnet IPAM. */
export function ovsnetNetwork(name: string, ...options: string[]): string[] {
  return ['network', 'create', '-d', 'ovsnet', '--ipam-driver', 'ovsnet', ...options, name];
}
