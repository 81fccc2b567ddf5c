// A private etcd on loopback ports chosen by the kernel, data in a temp dir.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { runOk } from '../../controller/host/exec';
import { sleep, stopPid } from '../../controller/ovs/private-ovs';
import { makeRunDir, onEmergency, recordPid } from './ledger';

export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export class Etcd {
  private output = '';
  private unregister: () => void = () => undefined;

  private constructor(
    readonly dir: string,
    readonly clientUrl: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(): Promise<Etcd> {
    const dir = makeRunDir('etcd');
    const clientPort = await freeLoopbackPort();
    const peerPort = await freeLoopbackPort();
    const clientUrl = `http://127.0.0.1:${clientPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const child = spawn(
      'etcd',
      [
        '--name',
        'ovsnet-test',
        '--data-dir',
        join(dir, 'data'),
        '--listen-client-urls',
        clientUrl,
        '--advertise-client-urls',
        clientUrl,
        '--listen-peer-urls',
        peerUrl,
        '--initial-advertise-peer-urls',
        peerUrl,
        '--initial-cluster',
        `ovsnet-test=${peerUrl}`,
        '--log-level',
        'warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const etcd = new Etcd(dir, clientUrl, child);
    if (child.pid !== undefined) recordPid(dir, 'etcd', child.pid);
    child.stdout?.on('data', (c: Buffer) => (etcd.output = (etcd.output + c.toString()).slice(-20_000)));
    child.stderr?.on('data', (c: Buffer) => (etcd.output = (etcd.output + c.toString()).slice(-20_000)));
    etcd.unregister = onEmergency(() => child.kill('SIGKILL'));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`etcd exited early:\n${etcd.output}`);
      try {
        await etcd.ctl('endpoint', 'health');
        return etcd;
      } catch (error) {
        if (Date.now() > deadline) {
          await etcd.stop();
          throw new Error(`etcd did not become healthy: ${String(error)}\n${etcd.output}`);
        }
        await sleep(100);
      }
    }
  }

  ctl(...args: string[]): Promise<string> {
    return runOk('etcdctl', [`--endpoints=${this.clientUrl}`, '--dial-timeout=2s', ...args], {
      env: { ...process.env, ETCDCTL_API: '3' },
      timeoutMs: 10_000,
    });
  }

  logs(): string {
    return this.output;
  }

  async stop(): Promise<void> {
    if (this.child.pid !== undefined) await stopPid(this.child.pid);
    this.unregister();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
