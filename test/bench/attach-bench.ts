// `npm run bench:attach`: 50 add-port + del-port cycles with `ovsnet attach` and with
// Open vSwitch's own /usr/bin/ovs-docker, same bridge, same container, same run. Both run
// as fresh processes per command, exactly as a user or a script calls them, and both
// return only once ovs-vswitchd has applied the change.
import { performance } from 'node:perf_hooks';
import { startAttachHost, type AttachHost } from '../e2e/attach/fixture';
import type { ExecResult } from '../../controller/host/exec';

const CYCLES = Number(process.env['OVSNET_BENCH_CYCLES'] ?? 50);
const BRIDGE = 'bench-br';

type Tool = (...args: string[]) => Promise<ExecResult>;

async function cycle(tool: Tool, ifname: string): Promise<void> {
  for (const args of [
    ['add-port', BRIDGE, ifname, 'bench', '--ipaddress=10.9.0.2/24'],
    ['del-port', BRIDGE, ifname, 'bench'],
  ]) {
    const result = await tool(...args);
    if (result.code !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr}`);
  }
}

/** Mean milliseconds per cycle; the two tools alternate in blocks of 10 so drift hits both. */
async function measure(host: AttachHost): Promise<{ ovsnet: number; ovsDocker: number }> {
  const totals = { ovsnet: 0, ovsDocker: 0 };
  await cycle(host.ovsnet, 'eth1'); // warm-up: page cache, first ovsdb/vswitchd work
  await cycle(host.ovsDocker, 'eth1');
  for (let done = 0; done < CYCLES; done += 10) {
    const block = Math.min(10, CYCLES - done);
    for (const [name, tool] of [
      ['ovsDocker', host.ovsDocker],
      ['ovsnet', host.ovsnet],
    ] as const) {
      const t0 = performance.now();
      for (let i = 0; i < block; i++) await cycle(tool, 'eth1');
      totals[name] += performance.now() - t0;
    }
  }
  return { ovsnet: totals.ovsnet / CYCLES, ovsDocker: totals.ovsDocker / CYCLES };
}

async function main(): Promise<void> {
  const host = await startAttachHost(BRIDGE);
  try {
    await host.container('bench');
    const { ovsnet, ovsDocker } = await measure(host);
    // The floor for any Node.js command: starting an empty node twice per cycle.
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) await host.ovs.netns.exec(process.execPath, ['-e', '0']);
    const nodeFloor = ((performance.now() - t0) / 20) * 2;
    const leftovers = await host.ports(BRIDGE);
    if (leftovers.length > 0) throw new Error(`ports left behind: ${leftovers.join(' ')}`);
    console.log(
      `add-port + del-port, mean of ${CYCLES} cycles: ovs-docker ${ovsDocker.toFixed(1)} ms, ovsnet attach ${ovsnet.toFixed(1)} ms`,
    );
    console.log(
      `floor: two empty node processes per cycle take ${nodeFloor.toFixed(1)} ms here (${(ovsDocker / nodeFloor).toFixed(2)}x ovs-docker's whole cycle)`,
    );
    console.log(`RESULT attach speedup_vs_ovs_docker=${(ovsDocker / ovsnet).toFixed(2)}`);
  } finally {
    await host.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
