// `npm run bench:policy`: what stateful allow rules cost. One host (private OVS, userspace
// datapath, the daemon in-process) with an ICC-off network of 200 containers and 200
// stateful rules (one of them lets a reach b over tcp), and an ICC-on network with a
// pair of its own and no policy (the anchor). In the same run, alternating, it measures
// TCP connections per second between the allowed pair (many short connections, 32 at a
// time) and the throughput of one long connection, for both networks; the ratios are
// medians of the rounds. `OVSNET_POLICY_BENCH_N` sets the container count (and rules).
import { ControllerHost, type Container } from '../integration/controller/fixture';
import type { RigScope } from '../harness/rig';
import { runAgent, startAgentServer } from '../harness/connections';

const CONTAINERS = Number(process.env['OVSNET_POLICY_BENCH_N'] ?? 200);
const ROUNDS = Number(process.env['OVSNET_POLICY_BENCH_ROUNDS'] ?? 3);
const CONNECTIONS = 3000;
const MEGABYTES = 400;
const PORT = 8080;

/** The scope a test rig gets, for a program: cleanups run in reverse at the end. */
function programScope(): RigScope & { close(): Promise<void> } {
  const cleanups: Array<() => unknown> = [];
  return {
    defer: (cleanup) => cleanups.push(cleanup),
    showLogs: () => undefined,
    close: async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
    },
  };
}

const ip = (net: number, i: number): string => `10.${net}.${Math.floor((i + 2) / 250)}.${((i + 2) % 250) + 2}/16`;

interface Pair {
  name: string;
  a: Container;
  b: Container;
}

async function connRate(pair: Pair): Promise<number> {
  const r = await runAgent(pair.a.ns, ['tcp-many', pair.b.ip, String(PORT), String(CONNECTIONS), '32'], 600_000);
  const m = /^ok=(\d+) failed=(\d+) seconds=([\d.]+)/.exec(r.stdout);
  if (!m || m[2] !== '0') throw new Error(`${pair.name}: short connections failed: ${r.stdout}`);
  return Number(m[1]) / Number(m[3]);
}

async function throughput(pair: Pair): Promise<number> {
  const r = await runAgent(pair.a.ns, ['tcp-send', pair.b.ip, String(PORT + 1), String(MEGABYTES)], 600_000);
  const m = /seconds=([\d.]+)/.exec(r.stdout);
  if (r.code !== 0 || !m) throw new Error(`${pair.name}: bulk transfer failed: ${r.stdout}`);
  return (MEGABYTES * 8) / Number(m[1]); // Mbit/s
}

const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  const scope = programScope();
  try {
    const host = await ControllerHost.start(scope, { portPool: 64 });
    await host.network('closed', '10.62.0.0/16', { icc: false });
    await host.network('open', '10.63.0.0/16');
    const t0 = Date.now();
    const members: Container[] = [];
    for (let i = 0; i < CONTAINERS; i++)
      members.push(await host.container('closed', `bench-closed-${String(i).padStart(6, '0')}`, ip(62, i)));
    const open: Container[] = [];
    for (let i = 0; i < 2; i++)
      open.push(await host.container('open', `bench-open-${String(i).padStart(6, '0')}`, ip(63, i)));
    console.log(`${CONTAINERS + 2} containers attached in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    for (let i = 0; i < CONTAINERS; i++) {
      const from = members[i] as Container;
      const to = members[(i + 1) % CONTAINERS] as Container;
      await host.daemon.registry.allowRules.add({
        networkId: 'closed',
        from: from.ip,
        to: to.ip,
        proto: 'tcp',
        // The measured pair's rule covers the echo port and the bulk transfer's beside it.
        ...(i === 0 ? {} : { port: 10_000 + i }),
      });
    }
    const [a, b] = members as [Container, Container];
    await host.daemon.dataplane.waitSynced(60_000);
    const pairs: Pair[] = [
      { name: 'icc-on', a: open[0] as Container, b: open[1] as Container },
      { name: 'stateful', a, b },
    ];
    for (const p of pairs) {
      const echo = await startAgentServer(p.b.ns, 'serve', PORT);
      const sink = await startAgentServer(p.b.ns, 'sink', PORT + 1);
      scope.defer(() => echo.kill('SIGKILL'));
      scope.defer(() => sink.kill('SIGKILL'));
    }
    const rate: Record<string, number[]> = { 'icc-on': [], stateful: [] };
    const bulk: Record<string, number[]> = { 'icc-on': [], stateful: [] };
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which goes first, so a machine drifting slower or faster hits both alike.
      for (const p of round % 2 === 0 ? pairs : [...pairs].reverse()) {
        rate[p.name]?.push(await connRate(p));
        bulk[p.name]?.push(await throughput(p));
      }
      console.log(
        `round ${round + 1}: conn/s icc-on ${rate['icc-on']?.at(-1)?.toFixed(0)} stateful ${rate['stateful']?.at(-1)?.toFixed(0)}; ` +
          `Mbit/s icc-on ${bulk['icc-on']?.at(-1)?.toFixed(0)} stateful ${bulk['stateful']?.at(-1)?.toFixed(0)}`,
      );
    }
    const rules = (await host.daemon.registry.allowRules.list()).length;
    const connRatio = median(rate['stateful'] ?? []) / median(rate['icc-on'] ?? []);
    const bulkRatio = median(bulk['stateful'] ?? []) / median(bulk['icc-on'] ?? []);
    console.log(
      `RESULT policy conn_rate_ratio_vs_icc_on=${connRatio.toFixed(2)} throughput_ratio_vs_icc_on=${bulkRatio.toFixed(2)} rules=${rules}`,
    );
  } finally {
    await scope.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
