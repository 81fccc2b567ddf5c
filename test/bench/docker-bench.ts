// `npm run bench:docker`: 20 x `docker run --rm` of the busybox image on an ovsnet network,
// on a user-defined Docker bridge network, and with --net none; same private dockerd, same
// run. The ovsnet daemon runs as its own process beside a private OVS.
import { join } from 'node:path';
import { createWriteStream, existsSync, rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { OvsInstance } from '../harness/ovs';
import { DockerEngine } from '../harness/docker';
import { makeRunDir } from '../harness/ledger';
import { daemonArgs, ovsnetNetwork } from '../harness/ovsnet-daemon';

import { sleep } from '../../controller/ovs/private-ovs';
import { DAEMON_NODE_FLAGS } from '../../drivers/cli/heap-settings';

const RUNS = Number(process.env['OVSNET_BENCH_RUNS'] ?? 20);
const CLI = join(__dirname, '..', '..', 'drivers', 'cli', 'main.js');

async function main(): Promise<void> {
  const ovs = await OvsInstance.start();
  const stateDir = makeRunDir('state');
  let docker: DockerEngine | undefined;
  try {
    docker = await DockerEngine.start({ netns: ovs.netns });
    let output = '';
    const daemon = ovs.netns.spawn(process.execPath, [
      ...DAEMON_NODE_FLAGS,
      CLI,
      ...daemonArgs({
        ovs,
        stateDir,
        pluginDir: docker.pluginDir,
        logLevel: process.env['OVSNET_BENCH_LOG'] ?? 'warn',
      }),
    ]);
    daemon.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    // OVSNET_BENCH_LOG=debug: every plugin call with its duration, in /tmp/ovsnet-docker-bench.log.
    if (process.env['OVSNET_BENCH_LOG']) daemon.stderr?.pipe(createWriteStream('/tmp/ovsnet-docker-bench.log'));
    const deadline = Date.now() + 30_000;
    while (!(await docker.ping()) || !existsSync(join(docker.pluginDir, 'ovsnet.sock'))) {
      if (Date.now() > deadline) throw new Error(`daemon did not start: ${output}`);
      await sleep(100);
    }
    const image = await docker.importBusybox();
    await docker.docker(...ovsnetNetwork('ob', '--subnet', '10.80.0.0/24'));
    await docker.docker('network', 'create', '-d', 'bridge', '--subnet', '10.81.0.0/24', 'bb');
    // The three kinds take turns (in a rotating order) so that a machine getting faster or
    // slower during the run weighs on all of them alike.
    const kinds = ['none', 'bb', 'ob'] as const;
    const times = new Map<string, number[]>(kinds.map((k) => [k, []]));
    for (const net of kinds) await docker.docker('run', '--rm', '--net', net, image, 'true'); // warm-up
    for (let i = 0; i < RUNS; i++) {
      for (let k = 0; k < kinds.length; k++) {
        const net = kinds[(i + k) % kinds.length] as string;
        const t0 = performance.now();
        await docker.docker('run', '--rm', '--net', net, image, 'true');
        times.get(net)?.push(performance.now() - t0);
      }
    }
    const mean = (net: string): number => (times.get(net) ?? []).reduce((a, b) => a + b, 0) / RUNS;
    const median = (net: string): number =>
      [...(times.get(net) ?? [])].sort((a, b) => a - b)[Math.floor(RUNS / 2)] ?? 0;
    const none = mean('none');
    const bridge = mean('bb');
    const ovsnet = mean('ob');
    console.log(
      `medians: --net none ${median('none').toFixed(0)} ms, bridge ${median('bb').toFixed(0)} ms, ovsnet ${median('ob').toFixed(0)} ms`,
    );
    console.log(
      `docker run --rm, mean of ${RUNS} (interleaved): --net none ${none.toFixed(0)} ms, Docker bridge network ${bridge.toFixed(0)} ms, ovsnet network ${ovsnet.toFixed(0)} ms`,
    );
    console.log(
      `RESULT docker time_ratio_vs_bridge=${(ovsnet / bridge).toFixed(2)} overhead_ms_vs_none=${(ovsnet - none).toFixed(0)}`,
    );
    await docker.docker('network', 'rm', 'ob', 'bb');
    daemon.kill('SIGTERM');
  } finally {
    await docker?.stop();
    await ovs.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
