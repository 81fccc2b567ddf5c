// A private etcd on loopback ports of its own (see free-port.ts), data in a temp dir.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, type TestContext } from 'node:test';
import { runOk } from '../../controller/host/exec';
import { sleep, stopPid } from '../../controller/ovs/private-ovs';
import { ETCD_BINARIES, requireBinaries } from './require';
import { makeRunDir, onEmergency, recordPid } from './ledger';
import type { TestPki } from './pki';
import { freeLoopbackPort } from './free-port';

let started = 0;

export class Etcd {
  private output = '';
  private unregister: () => void = () => undefined;
  private child: ChildProcess | undefined;

  /** Unique among the suite's etcds, so a health check can tell ours from another on the port. */
  private readonly name = `ovsnet-test-${process.pid}-${++started}`;

  private constructor(
    readonly dir: string,
    readonly clientUrl: string,
    private readonly peerUrl: string,
    private readonly pki: TestPki | undefined,
  ) {}

  /**
   * With pki, clients must speak TLS and show a certificate signed by pki.ca. Ports another
   * test took between our choice and etcd's bind make the attempt fail; the next one draws
   * fresh ports.
   */
  static async start(options: { pki?: TestPki } = {}): Promise<Etcd> {
    for (let attempt = 1; ; attempt++) {
      const dir = makeRunDir('etcd');
      const scheme = options.pki ? 'https' : 'http';
      const clientUrl = `${scheme}://127.0.0.1:${await freeLoopbackPort()}`;
      const peerUrl = `http://127.0.0.1:${await freeLoopbackPort()}`;
      const etcd = new Etcd(dir, clientUrl, peerUrl, options.pki);
      try {
        await etcd.launch();
        return etcd;
      } catch (error) {
        await etcd.stop();
        if (attempt === 3) throw error;
      }
    }
  }

  private async launch(): Promise<void> {
    const child = spawn(
      'etcd',
      [
        '--name',
        this.name,
        '--data-dir',
        join(this.dir, 'data'),
        '--listen-client-urls',
        this.clientUrl,
        '--advertise-client-urls',
        this.clientUrl,
        '--listen-peer-urls',
        this.peerUrl,
        '--initial-advertise-peer-urls',
        this.peerUrl,
        '--initial-cluster',
        `${this.name}=${this.peerUrl}`,
        '--log-level',
        'warn',
        ...(this.pki
          ? [
              `--cert-file=${this.pki.server.cert}`,
              `--key-file=${this.pki.server.key}`,
              `--trusted-ca-file=${this.pki.ca}`,
              '--client-cert-auth',
            ]
          : []),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    if (child.pid !== undefined) recordPid(this.dir, 'etcd', child.pid);
    child.stdout?.on('data', (c: Buffer) => (this.output = (this.output + c.toString()).slice(-20_000)));
    child.stderr?.on('data', (c: Buffer) => (this.output = (this.output + c.toString()).slice(-20_000)));
    this.unregister = onEmergency(() => child.kill('SIGKILL'));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`etcd exited early:\n${this.output}`);
      let members: string;
      try {
        await this.ctl('endpoint', 'health');
        members = await this.ctl('member', 'list');
      } catch (error) {
        if (Date.now() > deadline)
          throw new Error(`etcd did not become healthy: ${String(error)}\n${this.output}`, { cause: error });
        await sleep(100);
        continue;
      }
      // The answer may come from another test's etcd that got the port before ours could.
      if (child.exitCode === null && members.includes(`, ${this.name}, `)) return;
      throw new Error(`another etcd answers on ${this.clientUrl}, not ours:\n${members}\n${this.output}`);
    }
  }

  ctl(...args: string[]): Promise<string> {
    const tls = this.pki
      ? [`--cacert=${this.pki.ca}`, `--cert=${this.pki.client.cert}`, `--key=${this.pki.client.key}`]
      : [];
    return runOk('etcdctl', [`--endpoints=${this.clientUrl}`, '--dial-timeout=2s', ...tls, ...args], {
      env: { ...process.env, ETCDCTL_API: '3' },
      timeoutMs: 10_000,
    });
  }

  logs(): string {
    return this.output;
  }

  /** Suspends etcd (SIGSTOP): connections stay open and nothing answers, like a hung member. */
  freeze(): void {
    this.signal('SIGSTOP');
  }

  thaw(): void {
    this.signal('SIGCONT');
  }

  private signal(signal: NodeJS.Signals): void {
    try {
      if (this.child?.pid !== undefined) process.kill(this.child.pid, signal);
    } catch {
      // already gone
    }
  }

  /** Ends the etcd process but keeps its data and addresses, for restart(). */
  async stopKeepingData(): Promise<void> {
    this.thaw();
    if (this.child?.pid !== undefined) await stopPid(this.child.pid);
    this.child = undefined;
    this.unregister();
  }

  /** Starts etcd again on the same addresses with the data it had. */
  async restart(): Promise<void> {
    if (this.child !== undefined) throw new Error('etcd is still running');
    await this.launch();
  }

  async stop(): Promise<void> {
    this.thaw(); // a suspended etcd cannot act on SIGTERM
    if (this.child?.pid !== undefined) await stopPid(this.child.pid);
    this.child = undefined;
    this.unregister();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * One etcd for the tests of a file that do not disturb it (each uses its own key prefix),
 * started by the first test that asks and stopped when the file's tests end. Resolves
 * undefined when the test was skipped for want of etcd.
 */
export function etcdSharedByFile(): (t: TestContext) => Promise<Etcd | undefined> {
  let shared: Etcd | undefined;
  after(() => shared?.stop());
  return async (t) => {
    if (!requireBinaries(t, ETCD_BINARIES)) return undefined;
    shared ??= await Etcd.start();
    return shared;
  };
}
