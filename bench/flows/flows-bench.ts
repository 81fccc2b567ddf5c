// `npm run bench:flows`: the same 100,000 flows (match reg0 and eth_dst, output to a port)
// into a private netdev bridge, each run starting from an empty table and ending when the
// switch confirms (barrier reply or bundle commit reply):
//   (a) ovsnet, streamed FLOW_MODs + one barrier
//   (b) ovsnet, one atomic ONF bundle
//   (c) ovs-ofctl -O OpenFlow13 --bundle add-flows (the reference)
//   (d) an os-ken app sending OFPFlowMods then a barrier (the Python peer)
// (a)-(c) run OVSNET_BENCH_RUNS times (default 3) and report the median; (d) runs once.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { OvsInstance } from '../../test/harness/ovs';
import { SwitchClient } from '../../controller/openflow/switch-client';
import type { OpenFlowSession } from '../../controller/openflow/connection';
import { installFlows } from '../../controller/openflow/install';
import type { FlowMod } from '../../flows/ofp/types';
import { formatFlow } from '../../flows/ofp/text';

const COUNT = Number(process.env['OVSNET_BENCH_FLOWS'] ?? 100_000);
const RUNS = Number(process.env['OVSNET_BENCH_RUNS'] ?? 3);
const OSKEN_PORT = 16_633;

function macOf(i: number): string {
  return ['02', '00', ...[24, 16, 8, 0].map((s) => ((i >>> s) & 255).toString(16).padStart(2, '0'))].join(':');
}

/** The workload, identical for all four contenders (os-ken builds the same in Python). */
function workload(): FlowMod[] {
  return Array.from({ length: COUNT }, (_, i) => ({
    command: 'add' as const,
    tableId: 0,
    priority: 100,
    match: [{ field: 'reg0', value: i % 4096 }, { field: 'eth_dst', value: macOf(i) }],
    instructions: [{ type: 'apply_actions' as const, actions: [{ type: 'output' as const, port: 1 + (i % 16) }] }],
  }));
}

async function flowCount(ovs: OvsInstance): Promise<number> {
  const out = await ovs.ofctl('-O', 'OpenFlow13', 'dump-aggregate', 'br0');
  return Number(/flow_count=(\d+)/.exec(out)?.[1] ?? -1);
}

/** Runs one timed install from an empty table and checks every flow arrived. */
async function timed(ovs: OvsInstance, label: string, install: () => Promise<void>): Promise<number> {
  await ovs.ofctl('-O', 'OpenFlow13', 'del-flows', 'br0');
  if ((await flowCount(ovs)) !== 0) throw new Error(`${label}: the table is not empty before the run`);
  const t0 = performance.now();
  await install();
  const ms = performance.now() - t0;
  const installed = await flowCount(ovs);
  if (installed !== COUNT) throw new Error(`${label}: ${installed} of ${COUNT} flows installed`);
  return ms;
}

async function osken(ovs: OvsInstance): Promise<number> {
  await ovs.ofctl('-O', 'OpenFlow13', 'del-flows', 'br0');
  const app = join(__dirname, '..', '..', '..', 'bench', 'flows', 'osken_app.py');
  // osken-manager listens on loopback inside the switch's own namespace.
  const child = spawn('ip', ['netns', 'exec', ovs.netns.name, '/usr/bin/python3', '/usr/bin/osken-manager', '--ofp-listen-host', '127.0.0.1', '--ofp-tcp-listen-port', String(OSKEN_PORT), app], {
    env: { ...process.env, OSKEN_FLOWS: String(COUNT) },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  try {
    await new Promise((r) => setTimeout(r, 2000));
    await ovs.vsctl('set-controller', 'br0', `tcp:127.0.0.1:${OSKEN_PORT}`);
    const timer = setTimeout(() => child.kill('SIGKILL'), 900_000);
    const code = await exited;
    clearTimeout(timer);
    const line = out.split('\n').find((l) => l.startsWith('{'));
    if (code !== 0 || !line) throw new Error(`os-ken run failed (exit ${code}): ${err.slice(-2000)}`);
    const installed = await flowCount(ovs);
    if (installed !== COUNT) throw new Error(`os-ken: ${installed} of ${COUNT} flows installed`);
    return (JSON.parse(line) as { seconds: number }).seconds * 1000;
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await ovs.vsctl('del-controller', 'br0');
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const sec = (ms: number): string => `${(ms / 1000).toFixed(3)} s`;

async function main(): Promise<void> {
  const ovs = await OvsInstance.start();
  try {
    await ovs.addNetdevBridge('br0');
    const flows = workload();
    const file = join(ovs.dir, 'flows.txt');
    writeFileSync(file, `${flows.map((f) => formatFlow(f)).join('\n')}\n`);
    const client = new SwitchClient(`unix:${ovs.mgmtSocket('br0')}`, { requestTimeoutMs: 600_000, echoIntervalMs: 0 });
    client.start();
    const session: OpenFlowSession = await client.ready(10_000);
    const runs = { stream: [] as number[], bundle: [] as number[], ofctl: [] as number[] };
    for (let r = 0; r < RUNS; r++) {
      runs.stream.push(await timed(ovs, 'stream', () => installFlows(session, flows, { mode: 'stream', timeoutMs: 600_000 })));
      runs.bundle.push(await timed(ovs, 'bundle', () => installFlows(session, flows, { mode: 'bundle', timeoutMs: 600_000 })));
      runs.ofctl.push(await timed(ovs, 'ovs-ofctl', async () => void (await ovs.ofctl('-O', 'OpenFlow13', '--bundle', 'add-flows', 'br0', file))));
    }
    client.close();
    const oskenMs = await osken(ovs);
    const [a, b, c] = [median(runs.stream), median(runs.bundle), median(runs.ofctl)];
    console.log(`flows: ${COUNT}, runs: ${RUNS} (median shown; every run: ${JSON.stringify(Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, v.map((x) => Math.round(x))])))} ms)`);
    console.log(`(a) ovsnet stream + barrier:        ${sec(a)}  (${Math.round(COUNT / (a / 1000))} flows/s)`);
    console.log(`(b) ovsnet atomic bundle:           ${sec(b)}  (${Math.round(COUNT / (b / 1000))} flows/s)`);
    console.log(`(c) ovs-ofctl --bundle add-flows:   ${sec(c)}`);
    console.log(`(d) os-ken OFPFlowMod + barrier:    ${sec(oskenMs)}`);
    console.log(
      `RESULT flows time_ratio_vs_ofctl_bundle=${(a / c).toFixed(2)} bundle_ratio_vs_ofctl_bundle=${(b / c).toFixed(2)} speedup_vs_osken=${(oskenMs / a).toFixed(1)} flows=${COUNT}`,
    );
  } finally {
    await ovs.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
