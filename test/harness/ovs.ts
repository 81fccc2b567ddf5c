// A private Open vSwitch for one test: its own directory, its own network namespace for
// ovs-vswitchd (so tests and developers can run several at once: the userspace datapath
// allows one ovs-vswitchd per namespace), stopped by pid afterwards.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { PrivateOvs, readPid } from '../../controller/ovs/private-ovs';
import { makeRunDir, onEmergency } from './ledger';
import { Netns, vethPair } from './netns';

export interface OvsStartOptions {
  /** Run ovs-vswitchd in this namespace instead of a fresh one. */
  netns?: Netns;
  /** Keep the temp dir after stop (for debugging). */
  keepDir?: boolean;
}

export interface AttachOptions {
  bridge: string;
  /** Interface name inside the container namespace. */
  ifname?: string;
  /** Host-side (OVS port) name; must be unique on the machine. */
  hostIfname: string;
  /** Addresses in CIDR form. */
  ip?: string | string[];
  mac?: string;
  ofport?: number;
  externalIds?: Record<string, string>;
}

export class OvsInstance {
  private unregister: () => void;
  private stopped = false;

  private constructor(
    readonly ovs: PrivateOvs,
    readonly netns: Netns,
    private readonly ownsNetns: boolean,
    private readonly keepDir: boolean,
  ) {
    this.unregister = onEmergency(() => {
      for (const daemon of ['ovs-vswitchd', 'ovsdb-server'] as const) {
        const pid = readPid(ovs.pidfile(daemon));
        if (pid !== undefined) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // gone
          }
        }
      }
      if (!keepDir) rmSync(ovs.dir, { recursive: true, force: true });
      if (ownsNetns) spawnSync('ip', ['netns', 'del', netns.name]);
    });
  }

  static async start(options: OvsStartOptions = {}): Promise<OvsInstance> {
    const netns = options.netns ?? (await Netns.create('h'));
    const dir = makeRunDir('ovs');
    try {
      const ovs = await PrivateOvs.start({ dir, netns: netns.name });
      return new OvsInstance(ovs, netns, !options.netns, options.keepDir ?? false);
    } catch (error) {
      // Daemons that did start were stopped by PrivateOvs.start; drop what is left.
      if (!options.netns) await netns.destroy();
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  get dir(): string {
    return this.ovs.dir;
  }
  get dbSocket(): string {
    return this.ovs.dbSocket;
  }
  get dbRemote(): string {
    return this.ovs.dbRemote;
  }
  get rundir(): string {
    return this.ovs.rundir;
  }
  get env(): NodeJS.ProcessEnv {
    return this.ovs.env;
  }
  mgmtSocket(bridge: string): string {
    return this.ovs.mgmtSocket(bridge);
  }
  vsctl(...args: string[]): Promise<string> {
    return this.ovs.vsctl(...args);
  }
  ofctl(...args: string[]): Promise<string> {
    return this.ovs.ofctl(...args);
  }
  appctl(daemon: 'ovsdb-server' | 'ovs-vswitchd', ...args: string[]): Promise<string> {
    return this.ovs.appctl(daemon, ...args);
  }
  logs(lines?: number): string {
    return this.ovs.logs(lines);
  }

  /** A userspace (netdev) bridge that drops everything until flows are installed. */
  async addNetdevBridge(bridge: string, protocols = 'OpenFlow13'): Promise<void> {
    await this.vsctl(
      '--may-exist',
      'add-br',
      bridge,
      '--',
      'set',
      'bridge',
      bridge,
      'datapath_type=netdev',
      'fail_mode=secure',
      `protocols=${protocols}`,
    );
  }

  /**
   * Wires a namespace to a bridge like a container: a veth pair whose host end is in the
   * OVS namespace and added as a port. Returns the OpenFlow port number.
   */
  async attachContainer(container: Netns, options: AttachOptions): Promise<number> {
    const ips = options.ip === undefined ? [] : Array.isArray(options.ip) ? options.ip : [options.ip];
    await vethPair(
      { ns: this.netns, name: options.hostIfname },
      { ns: container, name: options.ifname ?? 'eth0', addresses: ips, ...(options.mac ? { mac: options.mac } : {}) },
    );
    const settings: string[] = [];
    if (options.ofport !== undefined) settings.push(`ofport_request=${options.ofport}`);
    for (const [key, value] of Object.entries(options.externalIds ?? {})) settings.push(`external_ids:${key}=${value}`);
    const setArgs = settings.length > 0 ? ['--', 'set', 'interface', options.hostIfname, ...settings] : [];
    await this.vsctl('add-port', options.bridge, options.hostIfname, ...setArgs);
    const ofport = Number((await this.vsctl('get', 'interface', options.hostIfname, 'ofport')).trim());
    if (!(ofport > 0))
      throw new Error(`port ${options.hostIfname} was not realised (ofport ${ofport})\n${this.logs(20)}`);
    return ofport;
  }

  async restartOvsdb(): Promise<void> {
    await this.ovs.stopOvsdb();
    await this.ovs.startOvsdb();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.ovs.stop();
    if (this.ownsNetns) await this.netns.destroy();
    if (!this.keepDir) rmSync(this.ovs.dir, { recursive: true, force: true });
    this.unregister();
  }
}
