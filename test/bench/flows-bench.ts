// `npm run bench:flows`: 100,000 flow_mods (match a register and eth_dst, output to a
// port) into a private netdev bridge, from an empty table until the switch confirms:
// (a) ovsnet streaming + barrier, (b) ovsnet atomic bundle, (c) ovs-ofctl --bundle
// add-flows, (d) an os-ken app sending OFPFlowMods then a barrier.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { OvsInstance } from '../harness/ovs';
import { SwitchClient } from '../../controller/openflow/switch-client';
import { installFlows } from '../../controller/openflow/install';
import type { FlowMod } from '../../flows/ofp/types';
import { flowText } from '../../flows/ofp/text';

const COUNT = Number(process.env['OVSNET_BENCH_FLOWS'] ?? 100_000);

function mac(i: number): string {
  return ['02', '00', ...[24, 16, 8, 0].map((s) => ((i >> s) & 255).toString(16).padStart(2, '0'))].join(':');
}

function flows(): FlowMod[] {
  return Array.from({ length: COUNT }, (_, i) => ({
    command: 'add' as const,
    tableId: 0,
    priority: 100,
    match: [
      { field: 'reg0', value: i % 4096 },
      { field: 'eth_dst', value: mac(i) },
    ],
    instructions: [{ type: 'apply_actions' as const, actions: [{ type: 'output' as const, port: 1 + (i % 16) }] }],
  }));
}

async function flowCount(ovs: OvsInstance): Promise<number> {
  const out = await ovs.ofctl('-O', 'OpenFlow13', 'dump-aggregate', 'br0');
  return Number(/flow_count=(\d+)/.exec(out)?.[1] ?? -1);
}

async function emptyTable(ovs: OvsInstance): Promise<void> {
  await ovs.ofctl('-O', 'OpenFlow13', 'del-flows', 'br0');
}

async function osken(ovs: OvsInstance): Promise<number> {
  const port = 16653;
  const app = join(__dirname, '..', '..', '..', 'test', 'bench', 'osken-flows.py');
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      ovs.netns.name,
      '/usr/bin/osken-manager',
      '--ofp-listen-host',
      '127.0.0.1',
      '--ofp-tcp-listen-port',
      String(port),
      app,
    ],
    {
      env: { ...process.env, OSKEN_FLOWS: String(COUNT) },
    },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  await new Promise((r) => setTimeout(r, 1500));
  await ovs.vsctl('set-controller', 'br0', `tcp:127.0.0.1:${port}`);
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
    child.on('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  const line = out.split('\n').find((l) => l.startsWith('{'));
  if (code !== 0 || !line) throw new Error(`os-ken run failed (${code}): ${err.slice(-2000)}`);
  return (JSON.parse(line) as { seconds: number }).seconds * 1000;
}

async function main(): Promise<void> {
  const ovs = await OvsInstance.start();
  try {
    await ovs.addNetdevBridge('br0', 'OpenFlow13');
    const batch = flows();
    const client = new SwitchClient(`unix:${ovs.mgmtSocket('br0')}`, { requestTimeoutMs: 600_000 });
    client.start();
    const session = await client.ready(10_000);

    let t0 = performance.now();
    await installFlows(session, batch, { mode: 'stream', timeoutMs: 600_000 });
    const stream = performance.now() - t0;
    if ((await flowCount(ovs)) !== COUNT) throw new Error('stream run did not install every flow');
    await emptyTable(ovs);

    t0 = performance.now();
    await installFlows(session, batch, { mode: 'bundle', timeoutMs: 600_000 });
    const bundle = performance.now() - t0;
    if ((await flowCount(ovs)) !== COUNT) throw new Error('bundle run did not install every flow');
    await emptyTable(ovs);
    client.close();

    const file = join(ovs.dir, 'flows.txt');
    writeFileSync(file, `${batch.map((f) => flowText(f)).join('\n')}\n`);
    t0 = performance.now();
    await ovs.ofctl('-O', 'OpenFlow13', '--bundle', 'add-flows', 'br0', file);
    const ofctl = performance.now() - t0;
    if ((await flowCount(ovs)) !== COUNT) throw new Error('ovs-ofctl run did not install every flow');
    await emptyTable(ovs);

    const oskenMs = await osken(ovs);
    const oskenCount = await flowCount(ovs);
    await ovs.vsctl('del-controller', 'br0');

    const s = (ms: number): string => (ms / 1000).toFixed(3);
    console.log(`flows: ${COUNT}`);
    console.log(`(a) ovsnet stream + barrier:        ${s(stream)} s`);
    console.log(`(b) ovsnet atomic bundle:           ${s(bundle)} s`);
    console.log(`(c) ovs-ofctl --bundle add-flows:   ${s(ofctl)} s`);
    console.log(`(d) os-ken OFPFlowMod + barrier:    ${s(oskenMs)} s (${oskenCount} flows in the table)`);
    console.log(
      `RESULT flows time_ratio_vs_ofctl_bundle=${(stream / ofctl).toFixed(2)} bundle_ratio_vs_ofctl_bundle=${(bundle / ofctl).toFixed(2)} speedup_vs_osken=${(oskenMs / stream).toFixed(2)} flows=${COUNT}`,
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
