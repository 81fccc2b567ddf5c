// Reachability probes with short timeouts that answer true/false: ICMP via ping, TCP and
// UDP via a small node echo agent. A probe succeeds only if the answer comes back, so it
// tests both directions of the path.
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Netns } from './netns';

const AGENT = join(__dirname, 'probe-agent.js');

export interface ProbeOptions {
  timeoutMs?: number;
}

export async function ping(from: Netns, ip: string, options: ProbeOptions & { count?: number } = {}): Promise<boolean> {
  const seconds = ((options.timeoutMs ?? 1000) / 1000).toFixed(2);
  const args = ['-n', '-c', String(options.count ?? 1), '-W', seconds];
  if (ip.includes(':')) args.unshift('-6');
  const result = await from.tryExec('ping', [...args, ip], { timeoutMs: 30_000 });
  return result.code === 0;
}

/** A running echo server; stop() ends it. */
export class EchoServer {
  constructor(
    private readonly child: ChildProcess,
    readonly proto: 'tcp' | 'udp',
    readonly port: number,
  ) {}
  stop(): void {
    this.child.kill('SIGKILL');
  }
}

export function startEchoServer(ns: Netns, proto: 'tcp' | 'udp', port: number, host = '::'): Promise<EchoServer> {
  const child = ns.spawn(process.execPath, [AGENT, 'serve', proto, String(port), host]);
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`echo server ${proto}/${port} in ${ns.name} did not start: ${output}`)),
      10_000,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready')) {
        clearTimeout(timer);
        resolve(new EchoServer(child, proto, port));
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`echo server ${proto}/${port} in ${ns.name} exited with ${code}: ${output}`));
    });
  });
}

async function connectProbe(
  from: Netns,
  proto: 'tcp' | 'udp',
  ip: string,
  port: number,
  options: ProbeOptions,
): Promise<boolean> {
  const timeoutMs = options.timeoutMs ?? 1000;
  const result = await from.tryExec(process.execPath, [AGENT, 'connect', proto, ip, String(port), String(timeoutMs)], {
    timeoutMs: timeoutMs + 10_000,
  });
  return result.code === 0;
}

/** True when a TCP connection to ip:port from `from` is answered by an echo server. */
export function tcpProbe(from: Netns, ip: string, port: number, options: ProbeOptions = {}): Promise<boolean> {
  return connectProbe(from, 'tcp', ip, port, options);
}

/** True when a UDP datagram to ip:port from `from` is echoed back. */
export function udpProbe(from: Netns, ip: string, port: number, options: ProbeOptions = {}): Promise<boolean> {
  return connectProbe(from, 'udp', ip, port, options);
}

/** GET an http URL from inside a namespace; resolves with the body, or undefined on failure. */
export async function httpGet(from: Netns, url: string, timeoutMs = 2000): Promise<string | undefined> {
  const script = `require('http').get(${JSON.stringify(url)}, { timeout: ${timeoutMs} }, (res) => { let b = ''; res.on('data', (c) => (b += c)); res.on('end', () => { process.stdout.write(b); process.exit(res.statusCode === 200 ? 0 : 1); }); }).on('error', () => process.exit(1)).on('timeout', () => process.exit(1));`;
  const result = await from.tryExec(process.execPath, ['-e', script], { timeoutMs: timeoutMs + 10_000 });
  return result.code === 0 ? result.stdout : undefined;
}
