// The connection agent (connection-agent.py) driven from tests and benchmarks: servers that
// keep connections open or swallow a stream, and clients with chosen source ports, many
// short connections, a long-lived one, or one bulk transfer.
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Netns } from './netns';

const AGENT = join(__dirname, '..', '..', '..', 'test', 'harness', 'connection-agent.py');

/** Runs one client mode of the agent in `ns`; never throws for a failed connection. */
export async function runAgent(
  ns: Netns,
  args: string[],
  timeoutMs = 30_000,
): Promise<{ code: number; stdout: string }> {
  const r = await ns.tryExec('/usr/bin/python3', [AGENT, ...args], { timeoutMs });
  return { code: r.code ?? 1, stdout: r.stdout };
}

/** Starts `serve` (echo, connections kept open) or `sink` (reads and drops) on `port`. */
export async function startAgentServer(ns: Netns, mode: 'serve' | 'sink', port: number): Promise<ChildProcess> {
  const child = ns.spawn('/usr/bin/python3', [AGENT, mode, String(port)]);
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  const started = Date.now();
  while (!out.includes('ready')) {
    if (Date.now() - started > 10_000 || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`the agent's ${mode} on port ${port} did not start`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return child;
}
