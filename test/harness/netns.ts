// Network namespaces as test "containers" and "hosts": uniquely named, cleaned up always.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { run, runOk, type ExecOptions, type ExecResult } from '../../controller/host/exec';
import { makeNetnsName, onEmergency } from './ledger';

/** The interface names in `ip -o link show` output, in its order (a veth's `@peer` left off). */
export function linkNames(ipOneLineLinks: string): string[] {
  return ipOneLineLinks
    .split('\n')
    .map((line) => /^\d+: ([^:@]+)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

export class Netns {
  private readonly unregister: () => void;
  private readonly children = new Set<ChildProcess>();
  private destroyed = false;

  private constructor(
    readonly name: string,
    /** False for a name given to someone else's namespace (a container's): its processes are not ours. */
    private readonly owned = true,
  ) {
    this.unregister = onEmergency(() => {
      for (const child of this.children) child.kill('SIGKILL');
      if (owned) killNamespacePids(name);
      spawnSync('ip', ['netns', 'del', name]);
    });
  }

  /** Names the network namespace of process `pid` (e.g. a Docker container) so probes can run in it. */
  static async attach(role: string, pid: number): Promise<Netns> {
    const name = makeNetnsName(role);
    await runOk('ip', ['netns', 'attach', name, String(pid)]);
    return new Netns(name, false);
  }

  /** Creates `ovt<pid>-<role><n>` with loopback up. */
  static async create(role = 'ns'): Promise<Netns> {
    const name = makeNetnsName(role);
    await runOk('ip', ['netns', 'add', name]);
    const ns = new Netns(name);
    await ns.exec('ip', ['link', 'set', 'lo', 'up']);
    return ns;
  }

  get path(): string {
    return `/run/netns/${this.name}`;
  }

  /** Runs argv inside the namespace and returns stdout; rejects on a non-zero exit. */
  exec(cmd: string, args: readonly string[] = [], options: ExecOptions = {}): Promise<string> {
    return runOk('ip', ['netns', 'exec', this.name, cmd, ...args], options);
  }

  /** Like exec but resolves with exit code and output whatever the outcome. */
  tryExec(cmd: string, args: readonly string[] = [], options: ExecOptions = {}): Promise<ExecResult> {
    return run('ip', ['netns', 'exec', this.name, cmd, ...args], { ...options, allowFailure: true });
  }

  /** Starts a long-running process inside the namespace; it is killed on destroy(). */
  spawn(cmd: string, args: readonly string[] = [], env?: NodeJS.ProcessEnv): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.name, cmd, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: env ?? process.env,
    });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  /** `ip -n <ns> ...` */
  ip(...args: string[]): Promise<string> {
    return runOk('ip', ['-n', this.name, ...args]);
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const child of this.children) child.kill('SIGKILL');
    if (this.owned) killNamespacePids(this.name);
    await run('ip', ['netns', 'del', this.name], { allowFailure: true });
    this.unregister();
  }
}

function killNamespacePids(name: string): void {
  const out = spawnSync('ip', ['netns', 'pids', name], { encoding: 'utf8' }).stdout ?? '';
  for (const pid of out.split('\n').filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

let ifCounter = 0;
/** Interface names must fit in 15 bytes and be unique across concurrent tests. */
export function uniqueIfname(prefix = 'v'): string {
  ifCounter += 1;
  const tag = `${process.pid.toString(36)}${ifCounter.toString(36)}${Math.random().toString(36).slice(2, 4)}`;
  return `${prefix}${tag}`.slice(0, 15);
}

export interface VethEnd {
  ns: Netns;
  name: string;
  /** Addresses in CIDR form, e.g. 10.0.0.1/24 or fd00::1/64. */
  addresses?: string[];
  mac?: string;
  mtu?: number;
}

/** Creates a veth pair with each end in its namespace, addressed and up. */
export async function vethPair(a: VethEnd, b: VethEnd): Promise<void> {
  const tmpA = uniqueIfname('ta');
  const tmpB = uniqueIfname('tb');
  await runOk('ip', ['link', 'add', tmpA, 'type', 'veth', 'peer', 'name', tmpB]);
  try {
    for (const [tmp, end] of [
      [tmpA, a],
      [tmpB, b],
    ] as const) {
      await runOk('ip', ['link', 'set', tmp, 'netns', end.ns.name]);
      await end.ns.ip('link', 'set', tmp, 'name', end.name);
      if (end.mac) await end.ns.ip('link', 'set', end.name, 'address', end.mac);
      if (end.mtu) await end.ns.ip('link', 'set', end.name, 'mtu', String(end.mtu));
      // The userspace datapath reads frames with raw sockets and does not complete
      // checksums a veth left to offload, so TCP/UDP would arrive corrupt: compute them
      // in software, as any veth attached to a netdev bridge needs.
      await end.ns.exec('ethtool', ['-K', end.name, 'tx', 'off'], { timeoutMs: 10_000 });
      for (const address of end.addresses ?? []) {
        const extra = address.includes(':') ? ['nodad'] : [];
        await end.ns.ip('addr', 'add', address, 'dev', end.name, ...extra);
      }
      await end.ns.ip('link', 'set', end.name, 'up');
    }
  } catch (error) {
    await run('ip', ['link', 'del', tmpA], { allowFailure: true });
    throw error;
  }
}
