// The reachability matrix both matrix tests (controller on a real OVS, Docker end to end)
// compare with their policy: every ordered pair of members probed with ICMP, TCP and UDP.
import type { Netns } from './netns';
import { ping, startEchoServer, tcpProbe, udpProbe } from './probes';

export type Proto = 'icmp' | 'tcp' | 'udp';

export interface Member {
  ns: Netns;
  ip: string;
}

const TCP_PORT = 8080;
const UDP_PORT = 9090;
/** Pairs probed at once: enough to finish in time, few enough not to starve the switch. */
const BATCH = 12;

/**
 * Starts a TCP (8080) and a UDP (9090) echo server in every member, probes every ordered
 * pair and each member's gateway (the .1 of its /24), and returns one line per probe whose
 * outcome differs from `expected` (gateways are always expected to answer).
 */
export async function matrixMismatches<M extends Member>(
  members: M[],
  expected: (from: M, to: M, proto: Proto) => boolean,
  label: (member: M) => string = (m) => m.ip,
): Promise<string[]> {
  for (const m of members) {
    await startEchoServer(m.ns, 'tcp', TCP_PORT);
    await startEchoServer(m.ns, 'udp', UDP_PORT);
  }
  const mismatches: string[] = [];
  const pairs = members.flatMap((from) => members.filter((to) => to !== from).map((to) => ({ from, to })));
  for (let i = 0; i < pairs.length; i += BATCH) {
    await Promise.all(
      pairs.slice(i, i + BATCH).map(async ({ from, to }) => {
        const observed = {
          icmp: await ping(from.ns, to.ip, { timeoutMs: 700 }),
          tcp: await tcpProbe(from.ns, to.ip, TCP_PORT, { timeoutMs: 700 }),
          udp: await udpProbe(from.ns, to.ip, UDP_PORT, { timeoutMs: 700 }),
        };
        for (const proto of ['icmp', 'tcp', 'udp'] as const) {
          if (observed[proto] !== expected(from, to, proto))
            mismatches.push(`${label(from)} -> ${label(to)} ${proto}: observed ${observed[proto]}`);
        }
      }),
    );
  }
  for (const m of members) {
    const gateway = m.ip.replace(/\.\d+$/, '.1');
    if (!(await ping(m.ns, gateway, { timeoutMs: 1000 })))
      mismatches.push(`${label(m)} -> its gateway ${gateway}: unreachable`);
  }
  return mismatches;
}
