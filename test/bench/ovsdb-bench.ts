// `npm run bench:ovsdb`: ovsnet's OVSDB client against the tools users know, same run,
// same private OVS, same real veth ports on a netdev bridge (issue 3 describes the figures).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { OvsInstance } from '../harness/ovs';
import { OvsdbClient } from '../../ovsdb/client';
import { Vswitch } from '../../ovsdb/vswitch/vswitch';
import { PortBatcher } from '../../ovsdb/vswitch/port-batcher';
import { run, runOk } from '../../controller/host/exec';
import { stopByPidfile } from '../../controller/ovs/private-ovs';

const BRIDGE = 'br0';

async function makeVeths(ovs: OvsInstance, prefix: string, count: number): Promise<string[]> {
  const names = Array.from({ length: count }, (_, i) => `${prefix}${i}`);
  const script = names.map((n) => `link add ${n} type veth peer name ${n}p\nlink set ${n} up\n`).join('');
  await runOk('ip', ['-n', ovs.netns.name, '-batch', '-'], { input: script, timeoutMs: 300_000 });
  return names;
}

async function clearBridge(vs: Vswitch): Promise<void> {
  const names = vs.view
    .ports(BRIDGE)
    .map((p) => p.name)
    .filter((n) => n !== BRIDGE);
  if (names.length === 0) return;
  await vs.removePorts(names);
  const target = await vs.bumpAndGetNextCfg();
  await vs.waits.waitCurCfg(target, 300_000);
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

async function ovsdbapp(ovs: OvsInstance, names: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', [
      join(__dirname, '..', '..', '..', 'test', 'bench', 'ovsdbapp-ports.py'),
      ovs.dbRemote,
      BRIDGE,
      ...names,
    ]);
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`ovsdbapp failed: ${err}`));
      else resolve((JSON.parse(out.trim().split('\n').at(-1) as string) as { seconds: number }).seconds * 1000);
    });
  });
}

async function replicaMemory(rows: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'ovsnet-bench-db-'));
  const db = join(dir, 'conf.db');
  await runOk('ovsdb-tool', ['create', db, '/usr/share/openvswitch/vswitch.ovsschema']);
  const env = { ...process.env, OVS_RUNDIR: dir, OVS_LOGDIR: dir, OVS_DBDIR: dir };
  await runOk(
    'ovsdb-server',
    [
      '--detach',
      '--no-chdir',
      `--pidfile=${dir}/ovsdb-server.pid`,
      `--log-file=${dir}/ovsdb-server.log`,
      `--remote=punix:${dir}/db.sock`,
      `--unixctl=${dir}/ovsdb-server.ctl`,
      db,
    ],
    { env },
  );
  try {
    await runOk('ovs-vsctl', [`--db=unix:${dir}/db.sock`, '--no-wait', 'init', '--', 'add-br', BRIDGE]);
    const writer = await OvsdbClient.connect(`unix:${dir}/db.sock`);
    const wvs = await Vswitch.open(writer);
    for (let i = 0; i < rows; i += 2000) {
      const batch = Array.from({ length: Math.min(2000, rows - i) }, (_, k) => ({
        bridge: BRIDGE,
        name: `m${i + k}`,
        ofportRequest: 32768 + ((i + k) % 30000),
        externalIds: { 'ovsnet-owner': `endpoint:net/${i + k}`, container_id: `c${i + k}`, container_iface: 'eth0' },
      }));
      await wvs.transact(wvs.ops.addPorts(batch));
    }
    writer.close();
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    const reader = await OvsdbClient.connect(`unix:${dir}/db.sock`);
    const rvs = await Vswitch.open(reader);
    rvs.view.indexInterfacesByExternalId('ovsnet-owner');
    global.gc?.();
    const after = process.memoryUsage().heapUsed;
    if (rvs.view.replica.count('Interface') < rows) throw new Error('replica incomplete');
    reader.close();
    return (after - before) / (1024 * 1024);
  } finally {
    await stopByPidfile(`${dir}/ovsdb-server.pid`);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const ovs = await OvsInstance.start();
  try {
    await ovs.addNetdevBridge(BRIDGE);
    const client = await OvsdbClient.connect(ovs.dbRemote);
    const vs = await Vswitch.open(client);
    // Realised first, on a bridge that has seen nothing else yet: ovs-vswitchd's own cost is
    // the floor here, and leftovers of earlier phases would only add noise to both sides.
    const twoHundred = await makeVeths(ovs, 'bc', 200);
    let t0 = performance.now();
    for (const name of twoHundred) {
      await vs.addPorts([{ bridge: BRIDGE, name }]);
      await vs.waits.waitRealised([name], 30_000);
    }
    const oursRealised = performance.now() - t0;
    await clearBridge(vs);
    t0 = performance.now();
    for (const name of twoHundred) await ovs.vsctl('add-port', BRIDGE, name);
    const theirsRealised = performance.now() - t0;
    await clearBridge(vs);
    console.log(
      `realised, 200 ports one by one: ovsnet ${seconds(oursRealised)} s, ovs-vsctl ${seconds(theirsRealised)} s`,
    );

    const thousand = [...twoHundred, ...(await makeVeths(ovs, 'bd', 800))];
    // commit: one transaction per port, each timed to its reply.
    t0 = performance.now();
    for (const name of thousand) await vs.addPorts([{ bridge: BRIDGE, name }]);
    const oursCommit = performance.now() - t0;
    await clearBridge(vs);
    const theirsCommit = await ovsdbapp(ovs, thousand);
    await clearBridge(vs);
    console.log(
      `commit, 1000 ports, one transaction each: ovsnet ${seconds(oursCommit)} s, ovsdbapp ${seconds(theirsCommit)} s`,
    );

    // 3. concurrent: 1000 requests at once until all are realised.
    const batcher = new PortBatcher(vs);
    t0 = performance.now();
    await Promise.all(thousand.map((name) => batcher.addPort({ bridge: BRIDGE, name })));
    await vs.waits.waitRealised(thousand, 300_000);
    const oursConcurrent = performance.now() - t0;
    await clearBridge(vs);
    const chained = thousand.flatMap((name) => ['--', 'add-port', BRIDGE, name]);
    t0 = performance.now();
    await run('ovs-vsctl', [`--db=${ovs.dbRemote}`, '--timeout=300', ...chained], { env: ovs.env, timeoutMs: 300_000 });
    const theirsConcurrent = performance.now() - t0;
    await clearBridge(vs);
    console.log(
      `concurrent, 1000 ports at once until realised: ovsnet ${seconds(oursConcurrent)} s in ${batcher.transactions} transactions, one chained ovs-vsctl ${seconds(theirsConcurrent)} s`,
    );
    client.close();

    const replicaMb = await replicaMemory(10_000);
    console.log(
      `replica heap for 10,000 ports (Port + Interface rows, 3 indexes + external_ids index): ${replicaMb.toFixed(1)} MB`,
    );

    const commitSpeedup = theirsCommit / oursCommit;
    const realisedSpeedup = theirsRealised / oursRealised;
    const concurrentRatio = oursConcurrent / theirsConcurrent;
    console.log(
      `RESULT ovsdb commit_speedup_vs_ovsdbapp=${commitSpeedup.toFixed(2)} realised_speedup_vs_vsctl=${realisedSpeedup.toFixed(2)} concurrent_ratio_vs_vsctl_batch=${concurrentRatio.toFixed(2)} replica_mb_10k=${replicaMb.toFixed(1)}`,
    );
  } finally {
    await ovs.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
