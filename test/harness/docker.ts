// A private Docker engine: own data-root, exec-root, API socket and plugin directory, in a
// private mount namespace (so /run/docker/plugins is its own) and optionally inside a
// test network namespace (so it sees that namespace's OVS). Never the system dockerd.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync, symlinkSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, runOk } from '../../controller/host/exec';
import { isAlive, sleep, stopPid } from '../../controller/ovs/private-ovs';
import { pingEngine } from '../../controller/host/docker-api';
import { makeRunDir, onEmergency, recordPid } from './ledger';
import type { Netns } from './netns';

export const DOCKER_CLI = '/usr/bin/docker';
export const BUSYBOX_IMAGE = 'ovsnet-busybox:test';
const BUSYBOX_APPLETS = [
  'sh',
  'ping',
  'ping6',
  'ip',
  'nc',
  'sleep',
  'cat',
  'echo',
  'ifconfig',
  'wget',
  'httpd',
  'hostname',
  'ls',
  'true',
  'false',
  'arping',
  'udhcpc',
  'route',
];

export interface DockerStartOptions {
  netns?: Netns;
  extraArgs?: string[];
}

export class DockerEngine {
  private readonly output: string[] = [];
  private unregister: () => void = () => undefined;
  private stopped = false;

  private child!: ChildProcess;

  private constructor(
    readonly dir: string,
    private readonly options: DockerStartOptions,
  ) {}

  get socket(): string {
    return join(this.dir, 'docker.sock');
  }
  /** Directory dockerd looks in for plugin sockets (bind-mounted over /run/docker/plugins). */
  get pluginDir(): string {
    return join(this.dir, 'plugins');
  }
  /** Environment for the docker CLI. */
  get env(): NodeJS.ProcessEnv {
    return { ...process.env, DOCKER_HOST: `unix://${this.socket}` };
  }

  static async start(options: DockerStartOptions = {}): Promise<DockerEngine> {
    const dir = makeRunDir('docker');
    for (const sub of ['root', 'exec', 'plugins']) mkdirSync(join(dir, sub), { recursive: true });
    const engine = new DockerEngine(dir, options);
    await engine.launch();
    return engine;
  }

  /**
   * kill -9 of dockerd alone, as a crash would: containerd's shims keep the containers (and,
   * with --live-restore, Docker finds them again at its next start).
   */
  async kill9(): Promise<void> {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  /**
   * Starts dockerd again after kill9, on the same data root, sockets and plugin directory.
   * The containers' network namespaces are mounted in the mount namespace the killed
   * dockerd made; a process of this engine that survived it (containerd, a shim) still
   * holds that namespace, and the new dockerd starts in it so it finds them.
   */
  async startAfterCrash(): Promise<void> {
    const survivor = this.survivingPid();
    await this.launch(survivor);
  }

  /** A live process of this engine (containerd or a shim), found by its command line. */
  private survivingPid(): number | undefined {
    const containerd = this.containerdPid();
    if (containerd !== undefined && isAlive(containerd)) return containerd;
    const marker = join(this.dir, 'exec');
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) return Number(entry);
      } catch {
        // exited meanwhile
      }
    }
    return undefined;
  }

  private async launch(mountNamespaceOf?: number): Promise<void> {
    const dir = this.dir;
    const dockerd = [
      'dockerd',
      '--data-root',
      join(dir, 'root'),
      '--exec-root',
      join(dir, 'exec'),
      '-H',
      `unix://${join(dir, 'docker.sock')}`,
      '--pidfile',
      join(dir, 'dockerd.pid'),
      '--storage-driver',
      'vfs',
      '--iptables=false',
      '--ip-masq=false',
      '--bridge=none',
      ...(this.options.extraArgs ?? []),
    ];
    const quoted = dockerd.map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`).join(' ');
    const script = [
      'mount --make-rprivate /',
      'mkdir -p /run/docker/plugins',
      `mount --bind '${join(dir, 'plugins')}' /run/docker/plugins`,
      `exec ${quoted}`,
    ].join(' && ');
    // In the namespace of a survivor the plugin directory is already mounted.
    const argv =
      mountNamespaceOf !== undefined
        ? ['nsenter', `--mount=/proc/${mountNamespaceOf}/ns/mnt`, 'sh', '-c', `exec ${quoted}`]
        : ['unshare', '-m', 'sh', '-c', script];
    if (this.options.netns) argv.unshift('nsenter', `--net=${this.options.netns.path}`);
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    if (child.pid !== undefined) recordPid(dir, 'dockerd-launcher', child.pid);
    const keep = (chunk: Buffer): void => {
      this.output.push(chunk.toString());
      if (this.output.length > 400) this.output.splice(0, 100);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.unregister();
    this.unregister = onEmergency(() => {
      child.kill('SIGKILL');
      const containerd = this.containerdPid();
      if (containerd !== undefined) process.kill(containerd, 'SIGKILL');
    });
    try {
      await this.waitReady(60_000);
      const containerd = this.containerdPid();
      if (containerd !== undefined) recordPid(dir, 'containerd', containerd);
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /**
   * Stops dockerd the way an operator does (SIGTERM: Docker stops its containers and
   * releases their endpoints) and starts it again on the same data root and sockets.
   */
  async restart(): Promise<void> {
    const containerd = this.containerdPid();
    if (this.child.pid !== undefined && isAlive(this.child.pid)) await stopPid(this.child.pid, 30_000);
    if (containerd !== undefined) await stopPid(containerd, 10_000);
    await this.launch();
  }

  private containerdPid(): number | undefined {
    const file = join(this.dir, 'exec', 'containerd', 'containerd.pid');
    if (!existsSync(file)) return undefined;
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`dockerd exited early:\n${this.logs()}`);
      if (await this.ping()) return;
      await sleep(100);
    }
    throw new Error(`dockerd did not answer within ${timeoutMs} ms:\n${this.logs()}`);
  }

  /** GET /_ping on the API socket. */
  ping(): Promise<boolean> {
    return pingEngine(this.socket);
  }

  /** Runs the docker CLI against this engine; returns stdout. */
  docker(...args: string[]): Promise<string> {
    return runOk(DOCKER_CLI, args, { env: this.env, timeoutMs: 120_000 });
  }
  tryDocker(...args: string[]): ReturnType<typeof run> {
    return run(DOCKER_CLI, args, { env: this.env, timeoutMs: 120_000, allowFailure: true });
  }

  /** Builds a tiny image from the host's static busybox (no registry is reachable). */
  async importBusybox(name = BUSYBOX_IMAGE): Promise<string> {
    const rootfs = join(this.dir, 'busybox-rootfs');
    mkdirSync(join(rootfs, 'bin'), { recursive: true });
    for (const sub of ['etc', 'tmp', 'proc', 'sys', 'dev', 'www']) mkdirSync(join(rootfs, sub), { recursive: true });
    copyFileSync('/bin/busybox', join(rootfs, 'bin', 'busybox'));
    for (const applet of BUSYBOX_APPLETS) {
      const link = join(rootfs, 'bin', applet);
      if (!existsSync(link)) symlinkSync('busybox', link);
    }
    await runOk('sh', ['-c', `tar -C '${rootfs}' -c . | '${DOCKER_CLI}' import - '${name}'`], {
      env: this.env,
      timeoutMs: 120_000,
    });
    return name;
  }

  logs(): string {
    return this.output.join('').split('\n').slice(-80).join('\n');
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const containerd = this.containerdPid();
    if (this.child.pid !== undefined && isAlive(this.child.pid)) {
      // Remove containers first so their shims and namespaces go with them.
      await run(DOCKER_CLI, ['ps', '-aq'], { env: this.env, allowFailure: true, timeoutMs: 10_000 }).then(async (r) => {
        const ids = r.stdout.split('\n').filter(Boolean);
        if (ids.length > 0)
          await run(DOCKER_CLI, ['rm', '-f', ...ids], { env: this.env, allowFailure: true, timeoutMs: 60_000 });
      });
      await stopPid(this.child.pid, 20_000);
    }
    if (containerd !== undefined) await stopPid(containerd, 5_000);
    this.unregister();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
