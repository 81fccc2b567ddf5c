// `npm run bench:cni`: 20 x `podman run --rm busybox true` on an ovsnet CNI network and on a
// network of the reference `bridge` + `host-local` plugins (Debian's containernetworking-
// plugins), taking turns, same private Podman (CNI backend) and run; medians. The ovsnet
// daemon runs as its own process beside a private OVS. The plugin's own time per ADD and
// DEL is printed apart from Node's start-up (OVSNET_CNI_TIMINGS).
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { run } from '../../controller/host/exec';
import { OvsInstance } from '../harness/ovs';
import { OvsnetDaemon } from '../harness/ovsnet-daemon';
import { makeRunDir } from '../harness/ledger';
import { Podman } from '../harness/podman';

const RUNS = Number(process.env['OVSNET_BENCH_RUNS'] ?? 20);

const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function main(): Promise<void> {
  const ovs = await OvsInstance.start();
  const stateDir = makeRunDir('state');
  const daemon = new OvsnetDaemon(ovs, join(stateDir, 'plugins'), stateDir);
  let podman: Podman | undefined;
  try {
    await daemon.start();
    const timings = join(stateDir, 'timings.jsonl');
    // Podman passes its environment on to the plugins, for ADD and for the clean-up's DEL.
    podman = await Podman.start(ovs.netns, { OVSNET_CNI_TIMINGS: timings });
    const image = await podman.importBusybox();
    podman.writeNetwork('ovsbench', [{ type: 'ovsnet', socket: join(stateDir, 'ovsnet.ctl'), subnet: '10.84.0.0/24' }]);
    podman.writeNetwork('refbench', [
      {
        type: 'bridge',
        bridge: 'cnibench0',
        isGateway: true,
        ipMasq: false,
        ipam: { type: 'host-local', ranges: [[{ subnet: '10.85.0.0/24' }]], dataDir: join(podman.dir, 'host-local') },
      },
    ]);
    const kinds = ['refbench', 'ovsbench'] as const;
    const times = new Map<string, number[]>(kinds.map((k) => [k, []]));
    for (const net of kinds) await podman.podman('run', '--rm', '--net', net, image, 'true'); // warm-up
    rmSync(timings, { force: true });
    for (let i = 0; i < RUNS; i++) {
      for (let k = 0; k < kinds.length; k++) {
        const net = kinds[(i + k) % kinds.length] as string;
        const t0 = performance.now();
        await podman.podman('run', '--rm', '--net', net, image, 'true');
        times.get(net)?.push(performance.now() - t0);
      }
    }
    const calls = readFileSync(timings, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { command: string; workMs: number; processMs: number });
    const of = (command: string, field: 'workMs' | 'processMs'): number =>
      median(calls.filter((c) => c.command === command).map((c) => c[field]));
    const nodeStart: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      await run(process.execPath, ['-e', '']);
      nodeStart.push(performance.now() - t0);
    }
    const ovsnet = median(times.get('ovsbench') ?? []);
    const reference = median(times.get('refbench') ?? []);
    console.log(
      `podman run --rm true, median of ${RUNS}: bridge+host-local ${reference.toFixed(0)} ms, ovsnet ${ovsnet.toFixed(0)} ms`,
    );
    console.log(
      `ovsnet plugin, medians: ADD ${of('ADD', 'workMs').toFixed(1)} ms of work (${of('ADD', 'processMs').toFixed(1)} ms with Node's start-up), ` +
        `DEL ${of('DEL', 'workMs').toFixed(1)} ms (${of('DEL', 'processMs').toFixed(1)} ms); an empty node process: ${median(nodeStart).toFixed(1)} ms`,
    );
    console.log(
      `RESULT cni time_ratio_vs_cni_bridge=${(ovsnet / reference).toFixed(2)} add_ms_p50=${of('ADD', 'workMs').toFixed(1)}`,
    );
  } finally {
    await podman?.stop();
    await daemon.stop();
    await ovs.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
