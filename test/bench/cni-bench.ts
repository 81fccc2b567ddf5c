// `npm run bench:cni`: 20 x `podman run --rm busybox true` on an ovsnet CNI network and on a
// network of the reference `bridge` + `host-local` plugins (Debian's containernetworking-
// plugins), taking turns, same private Podman (CNI backend) and run; medians. The ovsnet
// daemon runs as its own process beside a private OVS. The plugin is what `ovsnet-cni
// install` puts in place (the C shim; OVSNET_BENCH_CNI_PLUGIN=script for the Node plugin).
// The daemon's own time per ADD and DEL (OVSNET_CNI_TIMINGS) is printed apart from the cost
// of getting the call to it, measured with DELs of a container nobody added.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { run } from '../../controller/host/exec';
import type { PluginKind } from '../../drivers/cni/install';
import { invokePlugin } from '../harness/cni';
import { OvsInstance } from '../harness/ovs';
import { OvsnetDaemon } from '../harness/ovsnet-daemon';
import { makeRunDir } from '../harness/ledger';
import { Podman } from '../harness/podman';

const RUNS = Number(process.env['OVSNET_BENCH_RUNS'] ?? 20);
const PLUGIN: PluginKind = process.env['OVSNET_BENCH_CNI_PLUGIN'] === 'script' ? 'script' : 'shim';

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
    podman = await Podman.start(ovs.netns, { OVSNET_CNI_TIMINGS: timings }, PLUGIN);
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
    const readCalls = () =>
      readFileSync(timings, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as { command: string; workMs: number });
    const calls = readCalls();
    const work = (command: string): number => median(calls.filter((c) => c.command === command).map((c) => c.workMs));
    // The way to the daemon and back: a DEL of a container nobody added, timed whole and in
    // the daemon (where it is a lookup and nothing else).
    rmSync(timings, { force: true });
    const conf = JSON.stringify({
      cniVersion: '1.0.0',
      name: 'ovsbench',
      type: 'ovsnet',
      socket: join(stateDir, 'ovsnet.ctl'),
      subnet: '10.84.0.0/24',
    });
    const wholeDel: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const env = {
        CNI_COMMAND: 'DEL',
        CNI_CONTAINERID: `nobody${i}`,
        CNI_IFNAME: 'eth0',
        CNI_PATH: podman.pluginDir,
        OVSNET_CNI_TIMINGS: timings,
      };
      const answer = await invokePlugin(join(podman.pluginDir, 'ovsnet'), env, conf);
      if (answer.code !== 0) throw new Error(`DEL of nothing failed: ${answer.stdout}`);
      wholeDel.push(performance.now() - t0);
    }
    const forwarding = median(wholeDel) - median(readCalls().map((c) => c.workMs));
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
      `ovsnet (${PLUGIN === 'shim' ? 'the C shim' : 'the Node plugin'}), medians: ADD ${work('ADD').toFixed(1)} ms of work ` +
        `in the daemon, DEL ${work('DEL').toFixed(1)} ms; getting a call to the daemon and back ${forwarding.toFixed(1)} ms ` +
        `(spawn included); an empty node process: ${median(nodeStart).toFixed(1)} ms`,
    );
    console.log(
      `RESULT cni time_ratio_vs_cni_bridge=${(ovsnet / reference).toFixed(2)} add_ms_p50=${work('ADD').toFixed(1)}`,
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
