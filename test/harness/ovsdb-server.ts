// A standalone private ovsdb-server (no ovs-vswitchd) in the test's own network namespace,
// for tests that must reach it over TCP or TLS: OvsInstance runs its daemons in a namespace
// of their own, where 127.0.0.1 is not ours. Files live in one run directory; the server
// is stopped by its pidfile.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { VSWITCH_SCHEMA, readPid, stopByPidfile } from '../../controller/ovs/private-ovs';
import { runOk } from '../../controller/host/exec';
import { makeRunDir, onEmergency } from './ledger';
import { freeLoopbackPort } from './free-port';

export interface OvsdbServerOptions {
  /** Extra ovsdb-server arguments, e.g. --remote=pssl:PORT:127.0.0.1 and the key files. */
  args?: (server: { dir: string; port: number }) => string[];
}

export class OvsdbServerInstance {
  private readonly unregister: () => void;
  private stopped = false;

  private constructor(
    readonly dir: string,
    /** A port reserved for the test's own remotes (the server listens only if args ask). */
    readonly port: number,
    private readonly args: string[],
  ) {
    this.unregister = onEmergency(() => {
      const pid = readPid(this.pidfile);
      if (pid !== undefined) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      rmSync(dir, { recursive: true, force: true });
    });
  }

  static async start(options: OvsdbServerOptions = {}): Promise<OvsdbServerInstance> {
    const dir = makeRunDir('ovsdb');
    const port = await freeLoopbackPort();
    const server = new OvsdbServerInstance(dir, port, options.args?.({ dir, port }) ?? []);
    try {
      await runOk('ovsdb-tool', ['create', join(dir, 'conf.db'), VSWITCH_SCHEMA], { env: server.env });
      await server.startServer();
      await runOk('ovs-vsctl', [`--db=${server.unixRemote}`, '--no-wait', '--timeout=10', 'init'], { env: server.env });
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  get pidfile(): string {
    return join(this.dir, 'ovsdb-server.pid');
  }
  get unixRemote(): string {
    return `unix:${join(this.dir, 'db.sock')}`;
  }
  get logfile(): string {
    return join(this.dir, 'ovsdb-server.log');
  }
  get env(): NodeJS.ProcessEnv {
    return { ...process.env, OVS_RUNDIR: this.dir, OVS_LOGDIR: this.dir, OVS_DBDIR: this.dir };
  }

  private async startServer(): Promise<void> {
    await runOk(
      'ovsdb-server',
      [
        '--detach',
        '--no-chdir',
        `--pidfile=${this.pidfile}`,
        `--log-file=${this.logfile}`,
        `--remote=punix:${join(this.dir, 'db.sock')}`,
        `--unixctl=${join(this.dir, 'ovsdb-server.ctl')}`,
        ...this.args,
        join(this.dir, 'conf.db'),
      ],
      { env: this.env, timeoutMs: 30_000 },
    );
  }

  /** Stops the server and starts it again on the same files and ports. */
  async restart(): Promise<void> {
    await stopByPidfile(this.pidfile);
    await this.startServer();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (existsSync(this.pidfile)) await stopByPidfile(this.pidfile);
    rmSync(this.dir, { recursive: true, force: true });
    this.unregister();
  }
}
