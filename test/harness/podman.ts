// A private Podman (4.x, CNI backend) for tests: its own storage, run root, libpod tmpdir,
// containers.conf and CNI configuration directory under a temp dir, never the system's; run
// inside a test host's network namespace (as the private dockerd is), so the veths,
// the portmap plugin's iptables rules and the ovsnet gateways share one namespace.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, runOk, type ExecResult } from '../../controller/host/exec';
import { buildBusyboxTarball } from '../../vagrant/emulation/busybox';
import { makeRunDir } from './ledger';
import type { Netns } from './netns';
import { installPlugin, REFERENCE_PLUGINS } from './cni';
import type { PluginKind } from '../../drivers/cni/install';
import type { OvsInstance } from './ovs';
import { ovsnetDaemonFor, type OvsnetDaemon } from './ovsnet-daemon';
import { rigFamily, type RigScope, type RigSpec } from './rig';
import { ovsNeeds, startOvs, type OvsNeeds } from './with-ovs';

export const PODMAN_IMAGE = 'localhost/ovsnet-busybox:test';
export const PODMAN_BINARIES = ['podman', 'nsenter', 'busybox', 'iptables', `${REFERENCE_PLUGINS}/portmap`] as const;

export class Podman {
  private constructor(
    readonly dir: string,
    private readonly netns: Netns,
  ) {}

  /** The CNI configuration directory (network_config_dir). */
  get netDir(): string {
    return join(this.dir, 'net.d');
  }
  /** The plugin directory holding `ovsnet`; the reference plugins are searched after it. */
  get pluginDir(): string {
    return join(this.dir, 'cni-bin');
  }

  /** `engineEnv`: variables for every Podman process, its container clean-up included (which calls DEL). */
  static async start(
    netns: Netns,
    engineEnv: Record<string, string> = {},
    pluginKind: PluginKind = 'shim',
  ): Promise<Podman> {
    const dir = makeRunDir('podman');
    const podman = new Podman(dir, netns);
    mkdirSync(podman.netDir, { recursive: true });
    installPlugin(podman.pluginDir, pluginKind);
    // Limits below the sandbox's hard ones: `podman run` fails setting rlimits otherwise.
    writeFileSync(
      join(dir, 'containers.conf'),
      [
        '[containers]',
        'default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]',
        '[network]',
        'network_backend = "cni"',
        `network_config_dir = "${podman.netDir}"`,
        `cni_plugin_dirs = ["${podman.pluginDir}", "${REFERENCE_PLUGINS}"]`,
        '[engine]',
        'cgroup_manager = "cgroupfs"',
        'events_logger = "file"',
        `env = [${Object.entries(engineEnv)
          .map(([k, v]) => JSON.stringify(`${k}=${v}`))
          .join(', ')}]`,
        `events_logfile_path = "${join(dir, 'events.log')}"`,
        '',
      ].join('\n'),
    );
    await podman.podman('info', '--format', '{{.Host.NetworkBackend}}').then((backend) => {
      if (backend.trim() !== 'cni') throw new Error(`podman uses ${backend.trim()}, not its CNI backend`);
    });
    return podman;
  }

  private argv(args: readonly string[]): string[] {
    return [
      `--net=${this.netns.path}`,
      'podman',
      '--root',
      join(this.dir, 'root'),
      '--runroot',
      join(this.dir, 'run'),
      '--tmpdir',
      join(this.dir, 'tmp'),
      '--storage-driver',
      'vfs',
      ...args,
    ];
  }

  private get env(): NodeJS.ProcessEnv {
    return { ...process.env, CONTAINERS_CONF: join(this.dir, 'containers.conf') };
  }

  podman(...args: string[]): Promise<string> {
    return runOk('nsenter', this.argv(args), { env: this.env, timeoutMs: 120_000 });
  }

  tryPodman(...args: string[]): Promise<ExecResult> {
    return run('nsenter', this.argv(args), { env: this.env, timeoutMs: 120_000, allowFailure: true });
  }

  /** A CNI network configuration list, as /etc/cni/net.d would hold it. */
  writeNetwork(name: string, plugins: Array<Record<string, unknown>>, cniVersion = '1.0.0'): void {
    writeFileSync(join(this.netDir, `${name}.conflist`), JSON.stringify({ cniVersion, name, plugins }, null, 2));
  }

  async importBusybox(): Promise<string> {
    const tarball = await buildBusyboxTarball(join(this.dir, 'image'));
    await this.podman('import', tarball, PODMAN_IMAGE);
    return PODMAN_IMAGE;
  }

  /** The container's network namespace path (what the runtime passed as CNI_NETNS). */
  async netnsOf(name: string): Promise<string> {
    return (await this.podman('inspect', '-f', '{{.NetworkSettings.SandboxKey}}', name)).trim();
  }

  async stop(): Promise<void> {
    await this.tryPodman('rm', '-af', '-t', '0');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface PodmanHost {
  ovs: OvsInstance;
  daemon: OvsnetDaemon;
  podman: Podman;
  image: string;
  /** The daemon's control socket, for the configurations' "socket". */
  socket: string;
}

async function startPodmanHost(scope: RigScope): Promise<PodmanHost> {
  const ovs = await startOvs(scope);
  const daemon = ovsnetDaemonFor(scope, ovs);
  await daemon.start();
  const podman = await Podman.start(ovs.netns);
  // Deferred last so it runs first: removing the containers calls the plugin (DEL).
  scope.defer(() => podman.stop());
  return { ovs, daemon, podman, image: await podman.importBusybox(), socket: join(daemon.stateDir, 'ovsnet.ctl') };
}

export function podmanHostRig(options: OvsNeeds = {}): RigSpec<PodmanHost> {
  return { needs: [...ovsNeeds(options), ...PODMAN_BINARIES], start: startPodmanHost };
}

const podmanHostRigs = rigFamily<OvsNeeds, PodmanHost>(podmanHostRig);
/** One Podman host (private OVS, ovsnet daemon, private Podman) for a describe block's tests. */
export const sharedPodmanHost = podmanHostRigs.shared;
