// `npm run soak [-- --cycles N] [--heap-stats]`: the daemon under a long steady load, looking for what
// grows. N cycles (default 2,000) of endpoint create + join + leave + delete through the
// control socket, and one `docker run --rm -p 80` on a private dockerd every 10 cycles (200
// by default), against a private OVS. Every 100 cycles it samples the daemon's RSS and open
// file descriptors and what the host holds (test/harness/footprint.ts: OVS ports, flows by
// cookie, veths, addresses, NAT rules of published ports). Growth is measured from the
// sample after the first 100 cycles (start-up and the port pool's first batches are not a
// leak); leaks are what the host holds at the end beyond what it held before the first
// cycle. Not part of CI: the lead runs it alone on a quiet machine.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { callControl } from '../../controller/control/client';
import { controlSocket, takeFootprint, type Footprint } from '../harness/footprint';
import { DockerEngine } from '../harness/docker';
import { makeRunDir } from '../harness/ledger';
import { Netns } from '../harness/netns';
import { OvsInstance } from '../harness/ovs';
import { OvsnetDaemon, ovsnetNetwork } from '../harness/ovsnet-daemon';
import { until } from '../harness/until';
import { cpuSeconds } from '../harness/process-cpu';

const SAMPLE_EVERY = 100;
const DOCKER_RUN_EVERY = 10;
const NETWORK = 'soak';

interface Sample {
  cycle: number;
  rssMb: number;
  /** The parts of RSS: anonymous memory (heaps) and file pages (node's own code, mapped). */
  anonMb: number;
  fileMb: number;
  fds: number;
  footprint: Footprint;
}

function cyclesWanted(argv: string[]): number {
  const at = argv.indexOf('--cycles');
  if (at === -1) return 2000;
  const n = Number(argv[at + 1]);
  if (!Number.isInteger(n) || n < SAMPLE_EVERY)
    throw new Error(`--cycles must be a whole number from ${SAMPLE_EVERY}, not "${argv[at + 1]}"`);
  return n;
}

function sample(pid: number, cycle: number, footprint: Footprint): Sample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mb = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) / 1024;
  return {
    cycle,
    rssMb: mb('VmRSS'),
    anonMb: mb('RssAnon'),
    fileMb: mb('RssFile'),
    fds: readdirSync(`/proc/${pid}/fd`).length,
    footprint,
  };
}

function describe(s: Sample): string {
  const f = s.footprint;
  return (
    `cycle ${s.cycle}: rss_mb=${s.rssMb.toFixed(1)} (anon ${s.anonMb.toFixed(1)}, file ${s.fileMb.toFixed(1)}) fds=${s.fds} ports=${f.ports.length} ` +
    `flow_objects=${f.flowObjects.length} veths=${f.veths.length} endpoints=${f.endpoints.length} ` +
    `addresses=${f.addresses.length + f.gatewayAddresses.length} host_port_rules=${f.natRules.length}`
  );
}

/** `now`'s items that `before` did not have. */
function extraItems(before: string[], now: string[]): string[] {
  const had = new Set(before);
  return now.filter((item) => !had.has(item));
}

/** How many of `now`'s items `before` did not have. */
function extra(before: string[], now: string[]): number {
  return extraItems(before, now).length;
}

const HEAP_STATS_PORT = 19476;
/** OVSNET_SOAK_NODE_ARGS gives the daemon's node flags (say `--trace-gc`), as bench:observe's do. */
const NODE_ARGS = (process.env['OVSNET_SOAK_NODE_ARGS'] ?? '').split(' ').filter((arg) => arg !== '');

/**
 * With --heap-stats the daemon serves /metrics on its loopback, and each sample also reads
 * its V8 heap (used and total, by space) and the memory outside it (Buffers): where RSS
 * growth lives. Off by default, since serving metrics is itself part of the daemon.
 */
async function heapStats(ovs: OvsInstance): Promise<string> {
  const script = `fetch('http://127.0.0.1:${HEAP_STATS_PORT}/metrics').then((r) => r.text()).then((t) => process.stdout.write(t))`;
  const text = await ovs.netns.exec(process.execPath, ['-e', script]);
  /** A sample's value from its exposition line (HELP and TYPE lines name the family too). */
  const mb = (series: string): string => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? '?' : (Number(line.slice(series.length + 1)) / 1048576).toFixed(1);
  };
  // prom-client names heap spaces without their "_space" suffix.
  const spaces = ['new', 'old', 'code', 'large_object'].map(
    (space) =>
      `${space}=${mb(`nodejs_heap_space_size_used_bytes{space="${space}"}`)}/` +
      mb(`nodejs_heap_space_size_total_bytes{space="${space}"}`),
  );
  return (
    `  heap used ${mb('nodejs_heap_size_used_bytes')} of ${mb('nodejs_heap_size_total_bytes')} MB ` +
    `(${spaces.join(' ')}), external ${mb('nodejs_external_memory_bytes')} MB`
  );
}

/**
 * The host's footprint once the new network is wholly in place: its gateway's flows are
 * installed a reconcile pass after Docker's call returns, and a "before" taken earlier
 * would count them as leaked at the end.
 */
async function settledFootprint(ovs: OvsInstance, stateDir: string): Promise<Footprint> {
  let last = await takeFootprint(ovs, stateDir);
  await until(
    "the network's gateway flows installed and the host quiet",
    async () => {
      const now = await takeFootprint(ovs, stateDir);
      const same = JSON.stringify(now) === JSON.stringify(last);
      last = now;
      return same && now.flowObjects.some((o) => o.startsWith('gateway:'));
    },
    30_000,
    500,
  );
  return last;
}

/** Names what the host holds at the end that it did not hold before, so a leak can be found. */
function reportLeftovers(before: Footprint, after: Footprint): void {
  for (const key of Object.keys(before) as Array<keyof Footprint>) {
    const left = extraItems(before[key], after[key]);
    if (left.length > 0) console.log(`left over ${key}: ${left.join(' ')}`);
  }
}

async function cycle(control: string, networkId: string, sandbox: Netns, i: number): Promise<void> {
  const endpointId = `soak-${i.toString(16).padStart(8, '0')}-0000`;
  await callControl(control, 'endpoint.create', { networkId, endpointId });
  await callControl(control, 'endpoint.join', { networkId, endpointId, sandboxKey: sandbox.path });
  await callControl(control, 'endpoint.leave', { networkId, endpointId });
  await callControl(control, 'endpoint.delete', { networkId, endpointId });
}

async function main(): Promise<void> {
  const cycles = cyclesWanted(process.argv.slice(2));
  const withHeapStats = process.argv.includes('--heap-stats');
  const ovs = await OvsInstance.start();
  const stateDir = makeRunDir('state');
  let docker: DockerEngine | undefined;
  let daemon: OvsnetDaemon | undefined;
  let sandbox: Netns | undefined;
  try {
    docker = await DockerEngine.start({ netns: ovs.netns });
    daemon = new OvsnetDaemon(
      ovs,
      docker.pluginDir,
      stateDir,
      ['--docker-host', `unix://${docker.socket}`, ...(withHeapStats ? ['--metrics', String(HEAP_STATS_PORT)] : [])],
      NODE_ARGS,
    );
    await daemon.start();
    const pid = daemon.pid;
    if (pid === undefined) throw new Error('the daemon did not start');
    const image = await docker.importBusybox();
    await docker.docker(...ovsnetNetwork(NETWORK, '--subnet', '10.90.0.0/16'));
    // The control socket names networks by id; Docker made this one.
    const networkId = (await docker.docker('network', 'inspect', '-f', '{{.Id}}', NETWORK)).trim();
    sandbox = await Netns.create('soak');
    const control = controlSocket(stateDir);
    const before = await settledFootprint(ovs, stateDir);
    const samples: Sample[] = [];
    const cpuAtStart = cpuSeconds(pid);
    const ownCpuAtStart = process.cpuUsage();
    const started = Date.now();
    let dockerRuns = 0;
    for (let i = 1; i <= cycles; i++) {
      await cycle(control, networkId, sandbox, i).catch((error: unknown) => {
        throw new Error(`cycle ${i}: ${String(error)}`);
      });
      if (i % DOCKER_RUN_EVERY === 0) {
        await docker.docker('run', '--rm', '--net', NETWORK, '-p', '80', image, 'true');
        dockerRuns++;
      }
      if (i % SAMPLE_EVERY === 0) {
        const s = sample(pid, i, await takeFootprint(ovs, stateDir));
        samples.push(s);
        console.log(`${describe(s)} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
        if (withHeapStats) console.log(await heapStats(ovs));
      }
    }
    // What removals still under way (ports leaving the bridge, veths) take to finish.
    let after = await takeFootprint(ovs, stateDir);
    await until(
      'the host back to what it held before the cycles',
      async () => {
        after = await takeFootprint(ovs, stateDir);
        return JSON.stringify(after) === JSON.stringify(before);
      },
      30_000,
      500,
    ).catch(() => console.log('the host still holds more than before the cycles after 30 s'));
    const last = sample(pid, cycles, after);
    const warm = samples[0] as Sample;
    console.log(describe(last));
    console.log(`docker_runs=${dockerRuns}`);
    // With `--trace-gc` among the daemon's node flags, its full collections are shown.
    for (const line of daemon.logs(1_000_000).split('\n')) if (/Mark-Compact|Limit:/.test(line)) console.log(line);
    reportLeftovers(before, after);
    const ownCpu = process.cpuUsage(ownCpuAtStart);
    console.log(
      `daemon_cpu_s=${(cpuSeconds(pid) - cpuAtStart).toFixed(1)} ` +
        `driver_cpu_s=${((ownCpu.user + ownCpu.system) / 1e6).toFixed(1)}`,
    );
    console.log(
      `leaked_host_ports=${extra(before.natRules, after.natRules)} leaked_endpoints=${extra(before.endpoints, after.endpoints)}`,
    );
    console.log(
      `RESULT soak cycles=${cycles} rss_growth_mb=${(last.rssMb - warm.rssMb).toFixed(1)} ` +
        `fd_growth=${last.fds - warm.fds} leaked_ports=${extra(before.ports, after.ports)} ` +
        `leaked_flows=${extra(before.flowObjects, after.flowObjects)} leaked_veths=${extra(before.veths, after.veths)} ` +
        `leaked_addresses=${extra([...before.addresses, ...before.gatewayAddresses], [...after.addresses, ...after.gatewayAddresses])}`,
    );
  } finally {
    await docker?.stop();
    await daemon?.stop();
    await sandbox?.destroy();
    await ovs.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
