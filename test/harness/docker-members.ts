// Real `docker run` containers on one ovsnet network, each with a TCP echo server on a
// port in its namespace, and which ordered pairs of them reach each other: the allow rule
// tests' matrix of real packets.
import assert from 'node:assert/strict';
import { Netns } from './netns';
import type { DockerHost } from './docker-host';
import { startEchoServer, tcpProbe, type EchoServer } from './probes';
import { until } from './until';

/** The port every member serves (and the rules under test allow). */
export const PORT = 8080;

export interface Member {
  name: string;
  ip: string;
  ns: Netns;
  server: EchoServer;
}

export class Cluster {
  readonly members = new Map<string, Member>();
  constructor(
    private readonly host: DockerHost,
    private readonly network: string,
  ) {}

  /** `docker run` on the network, with an echo server on 8080 in its namespace. */
  async run(name: string, ip: string, ...args: string[]): Promise<Member> {
    const { docker, image } = this.host;
    await docker.docker('run', '-d', '--name', name, '--net', this.network, '--ip', ip, ...args, image, 'sleep', '600');
    return this.attach(name);
  }

  /** (Re)attaches to the container's namespace after it started. */
  async attach(name: string): Promise<Member> {
    await this.forget(name);
    const { docker } = this.host;
    const ip = (
      await docker.docker('inspect', '-f', `{{(index .NetworkSettings.Networks "${this.network}").IPAddress}}`, name)
    ).trim();
    const pid = Number((await docker.docker('inspect', '-f', '{{.State.Pid}}', name)).trim());
    const ns = await Netns.attach('d', pid);
    const member = { name, ip, ns, server: await startEchoServer(ns, 'tcp', PORT) };
    this.members.set(name, member);
    return member;
  }

  private async forget(name: string): Promise<void> {
    const m = this.members.get(name);
    if (!m) return;
    m.server.stop();
    await m.ns.destroy();
    this.members.delete(name);
  }

  get(name: string): Member {
    const m = this.members.get(name);
    if (!m) throw new Error(`no member ${name}`);
    return m;
  }

  /**
   * The ordered pairs among `names` that reach each other on tcp/8080. The pairs are probed
   * at once: a pair that cannot connect waits out its whole timeout, and most pairs of an
   * ICC-off network cannot.
   */
  async reaching(names: string[]): Promise<string[]> {
    const pairs = names.flatMap((from) => names.filter((to) => to !== from).map((to) => [from, to] as const));
    const reached = await Promise.all(
      pairs.map(([from, to]) => tcpProbe(this.get(from).ns, this.get(to).ip, PORT, { timeoutMs: 700 })),
    );
    return pairs.filter((_, i) => reached[i]).map(([from, to]) => `${from}->${to}`);
  }

  async destroy(): Promise<void> {
    for (const name of [...this.members.keys()]) await this.forget(name);
  }
}

/** Waits until exactly `expected` pairs reach each other (the learner and a pass take a moment). */
export async function settlesOn(cluster: Cluster, names: string[], expected: string[], what: string): Promise<void> {
  let seen: string[] = [];
  try {
    await until(what, async () => (seen = await cluster.reaching(names)).join() === expected.join(), 20_000, 200);
  } catch {
    assert.deepEqual(seen, expected, what);
  }
}
