// One ICMP prober per probe namespace (icmp-prober.py): a single raw socket pings every
// address it was told about until each answers, so 600 endpoints need three processes, not
// 600 `ping`s. Times are CLOCK_MONOTONIC nanoseconds, the clock process.hrtime.bigint()
// reads, so they compare directly with the benchmark's own timestamps.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const PROBER = join(__dirname, '..', '..', '..', '..', 'test', 'bench', 'multihost', 'icmp-prober.py');

export class IcmpProber {
  private readonly waiting = new Map<string, (answeredNs: bigint) => void>();
  private readonly ready: Promise<void>;
  private exited = false;
  private stderr = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly netns: string,
  ) {
    let markReady: () => void = () => undefined;
    this.ready = new Promise((resolve) => (markReady = resolve));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      if (line === 'ready') return markReady();
      const [address, ns] = line.split(' ');
      const resolve = this.waiting.get(address as string);
      if (resolve === undefined || ns === undefined) return;
      this.waiting.delete(address as string);
      resolve(BigInt(ns));
    });
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-4000)));
    child.once('exit', () => (this.exited = true));
  }

  /** Starts the prober inside netns; it sends one round of echo requests every intervalMs. */
  static async start(netns: string, intervalMs: number): Promise<IcmpProber> {
    const child = spawn('ip', ['netns', 'exec', netns, 'python3', PROBER, String(intervalMs)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const prober = new IcmpProber(child, netns);
    const failed = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`prober in ${netns} exited with ${code}: ${prober.stderr}`))),
    );
    await Promise.race([prober.ready, failed]);
    failed.catch(() => undefined);
    return prober;
  }

  /** Pings address until it answers; resolves with the moment the first reply arrived. */
  answered(address: string): Promise<bigint> {
    if (this.exited) return Promise.reject(new Error(`prober in ${this.netns} has exited: ${this.stderr}`));
    if (this.waiting.has(address)) throw new Error(`${address} is probed already`);
    const reply = new Promise<bigint>((resolve) => this.waiting.set(address, resolve));
    this.child.stdin?.write(`start ${address}\n`);
    return reply;
  }

  /** Stops pinging an address that has not answered (the caller gave up on it). */
  cancel(address: string): void {
    if (!this.waiting.delete(address)) return;
    this.child.stdin?.write(`stop ${address}\n`);
  }

  /** Addresses asked for that have not answered. */
  get pending(): string[] {
    return [...this.waiting.keys()];
  }

  stop(): void {
    this.child.stdin?.end('quit\n');
    this.child.kill('SIGTERM');
  }
}
