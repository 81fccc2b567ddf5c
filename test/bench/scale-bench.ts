// `npm run bench:scale`: 4096 endpoints on one host, each with its own network namespace,
// attached through the controller API (endpoint.create + endpoint.join over the control
// socket of a real `ovsnet daemon` process, 32 requests in flight) to a private OVS with
// the userspace datapath. Then one more attach is timed against `ovs-vsctl add-port` of one
// more veth at the same port count, reachability is spot-checked, and the host is cleaned.
import { spawnSync } from 'node:child_process';
import { createWriteStream, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { OvsInstance } from '../harness/ovs';
import { makeNetnsName, makeRunDir, onEmergency } from '../harness/ledger';
import { until } from '../harness/until';
import { daemonArgs } from '../harness/ovsnet-daemon';
import { runOk, run } from '../../controller/host/exec';
import { callControl } from '../../controller/control/client';
import type { ControlMethodName, ControlParams, ControlResult } from '../../controller/control/contract';
import type { EndpointInfo } from '../../controller/cnm/types';
import { DAEMON_NODE_FLAGS } from '../../drivers/cli/heap-settings';

const N = Number(process.env['OVSNET_SCALE_N'] ?? 4096);
const IN_FLIGHT = 32;
const CLI = join(__dirname, '..', '..', 'drivers', 'cli', 'main.js');
const NETWORK = 'scale';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** 10.200.0.0/19: host i gets 10.200.(i+2 >> 8).(i+2 & 255); .1 is the gateway. */
function addressOf(i: number): string {
  const n = i + 2;
  return `10.200.${n >> 8}.${n & 255}`;
}

async function ipBatch(lines: string[], netns?: string): Promise<void> {
  for (let i = 0; i < lines.length; i += 2000) {
    await runOk('ip', [...(netns ? ['-n', netns] : []), '-batch', '-'], {
      input: `${lines.slice(i, i + 2000).join('\n')}\n`,
      timeoutMs: 600_000,
    });
  }
}

function rssMb(pid: number): number {
  const status = spawnSync('cat', [`/proc/${pid}/status`], { encoding: 'utf8' }).stdout;
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

async function flowCount(ovs: OvsInstance): Promise<number> {
  const text = await ovs.ofctl('-O', 'OpenFlow13', 'dump-aggregate', 'br-int');
  return Number(/flow_count=(\d+)/.exec(text)?.[1] ?? NaN);
}

/**
 * OVSNET_SCALE_FLOOR=1: what ovs-vswitchd alone needs for N ports added IN_FLIGHT per
 * transaction, each transaction waited for (ovs-vsctl, veths made beforehand): the part of
 * the total no controller can go under with IN_FLIGHT requests in flight.
 */
async function switchFloor(): Promise<number> {
  const ovs = await OvsInstance.start();
  try {
    await ovs.vsctl('add-br', 'br-int', '--', 'set', 'bridge', 'br-int', 'datapath_type=netdev');
    await ipBatch(
      Array.from({ length: N }, (_, i) => `link add fl${i} up type veth peer name flp${i}`),
      ovs.netns.name,
    );
    const t0 = performance.now();
    for (let first = 0; first < N; first += IN_FLIGHT) {
      const args = Array.from({ length: Math.min(IN_FLIGHT, N - first) }, (_, k) => [
        '--',
        'add-port',
        'br-int',
        `fl${first + k}`,
      ]).flat();
      await ovs.vsctl('--timeout=600', ...args);
    }
    return (performance.now() - t0) / 1000;
  } finally {
    await ovs.stop();
  }
}

async function main(): Promise<void> {
  const floorS = process.env['OVSNET_SCALE_FLOOR'] ? await switchFloor() : undefined;
  if (floorS !== undefined)
    console.log(
      `switch floor: ovs-vsctl adds ${N} ports ${IN_FLIGHT} per transaction, each waited for, in ${floorS.toFixed(1)} s`,
    );
  const ovs = await OvsInstance.start(process.env['OVSNET_SCALE_LOG'] ? { keepDir: true } : {});
  const stateDir = makeRunDir('scale-state');
  const sandboxes = Array.from({ length: N + 1 }, () => makeNetnsName('s'));
  const dropSandboxes = (): void => {
    spawnSync('ip', ['-batch', '-'], {
      input: sandboxes.map((s) => `netns del ${s}`).join('\n'),
      stdio: ['pipe', 'ignore', 'ignore'],
    });
  };
  const unregister = onEmergency(dropSandboxes);
  let daemonOutput = '';
  const daemon = ovs.netns.spawn(process.execPath, [
    ...DAEMON_NODE_FLAGS,
    ...(process.env['OVSNET_PROFILE_DIR'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['OVSNET_PROFILE_DIR']}`] : []),
    CLI,
    ...daemonArgs({
      ovs,
      stateDir,
      pluginDir: join(stateDir, 'plugins'),
      logLevel: process.env['OVSNET_SCALE_LOG'] ?? 'warn',
    }),
  ]);
  daemon.stderr?.on('data', (c: Buffer) => (daemonOutput = (daemonOutput + c.toString()).slice(-20_000)));
  if (process.env['OVSNET_SCALE_LOG'])
    daemon.stderr?.pipe(
      createWriteStream(join(process.env['OVSNET_SCALE_LOG_DIR'] ?? '/tmp', 'ovsnet-scale-daemon.log')),
    );
  const control = join(stateDir, 'ovsnet.ctl');
  const call = <M extends ControlMethodName>(method: M, params: ControlParams<M>): Promise<ControlResult<M>> =>
    callControl(control, method, params, 120_000);
  try {
    await until(
      'daemon ready',
      async () =>
        await call('status', {}).then(
          () => true,
          () => false,
        ),
      30_000,
    );
    const t0 = performance.now();
    await ipBatch(sandboxes.map((s) => `netns add ${s}`));
    if (process.env['OVSNET_SCALE_LOG']) console.log(`OVS logs kept in ${ovs.dir}`);
    console.log(`setup: ${N + 1} network namespaces in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await call('network.create', {
      id: NETWORK,
      name: NETWORK,
      ipv4: [{ pool: '10.200.0.0/19', gateway: '10.200.0.1' }],
      ipv6: [],
      icc: true,
      internal: false,
    });
    await until('gateway port', async () => (await ovs.vsctl('list-ports', 'br-int')).includes('ovsgw'), 30_000);
    const flowsBefore = await flowCount(ovs);

    // Attach N endpoints, IN_FLIGHT at a time; each moves its veth peer into its sandbox
    // afterwards, as Docker does after Join.
    const latencies: number[] = [];
    const joined = new Array<EndpointInfo>(N);
    const toMove: string[] = [];
    let next = 0;
    const attach = async (i: number): Promise<number> => {
      const start = performance.now();
      const endpointId = `ep${String(i).padStart(6, '0')}scale`;
      const info = await call('endpoint.create', {
        networkId: NETWORK,
        endpointId,
        ipv4: `${addressOf(i)}/19`,
      });
      const join = await call('endpoint.join', {
        networkId: NETWORK,
        endpointId,
        sandboxKey: `/run/netns/${sandboxes[i] as string}`,
      });
      joined[i] = { ...info, containerIfname: join.containerIfname };
      return performance.now() - start;
    };
    const worker = async (): Promise<void> => {
      while (next < N) {
        const i = next++;
        latencies.push(await attach(i));
        toMove.push(`link set dev ${(joined[i] as EndpointInfo).containerIfname} netns ${sandboxes[i] as string}`);
        if (latencies.length % Math.max(64, N / 8) === 0)
          console.log(`  ${latencies.length} attached, ${((performance.now() - tStart) / 1000).toFixed(1)} s`);
      }
    };
    const tStart = performance.now();
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    const totalS = (performance.now() - tStart) / 1000;
    // What libnetwork does after each Join, done here for all at once and timed apart: it
    // is the kernel's cost (each move waits for an RCU grace period under the RTNL lock,
    // stalling ovs-vswitchd's netlink work meanwhile), the same for any network driver.
    const tMove = performance.now();
    await ipBatch(toMove.splice(0), ovs.netns.name);
    const moveS = (performance.now() - tMove) / 1000;
    console.log(`moved ${N} container ends into their namespaces in ${moveS.toFixed(1)} s`);
    const ports = (await ovs.vsctl('list-ports', 'br-int')).split('\n').filter(Boolean).length;
    const unrealised = (await ovs.vsctl('--bare', '--columns=name', 'find', 'interface', 'ofport<=0')).trim();
    const flowsAfter = await flowCount(ovs);
    const flowsPerEndpoint = (flowsAfter - flowsBefore) / N;
    const rss = rssMb(daemon.pid as number);
    console.log(
      `attached ${N} endpoints in ${totalS.toFixed(1)} s; bridge has ${ports} ports (${ports - N - 1} of them idle in the port pool); unrealised: ${unrealised === '' ? 'none' : unrealised}; flows ${flowsBefore} -> ${flowsAfter}`,
    );

    // Spot check: four endpoints get their MAC and address inside their sandbox, as
    // libnetwork gives them, and ping.
    const picks = [0, 1, Math.floor(N / 2), N - 1];
    for (const i of picks) {
      const info = joined[i] as EndpointInfo;
      const ns = sandboxes[i] as string;
      await runOk('ip', ['-n', ns, 'link', 'set', 'dev', info.containerIfname, 'address', info.mac]);
      await runOk('ip', ['-n', ns, 'addr', 'add', `${addressOf(i)}/19`, 'dev', info.containerIfname]);
      await runOk('ip', ['-n', ns, 'link', 'set', info.containerIfname, 'up']);
      await runOk('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    // Up to 10 s each: ovs-vswitchd forwards nothing while it reconfigures the bridge
    // (seconds at this size), and the pool may be giving idle ports back meanwhile.
    const pings: string[] = [];
    for (const [a, b] of [
      [0, N - 1],
      [N - 1, Math.floor(N / 2)],
      [1, 0],
    ] as const) {
      const ok =
        (
          await run('ip', ['netns', 'exec', sandboxes[a] as string, 'ping', '-c', '1', '-w', '10', addressOf(b)], {
            allowFailure: true,
          })
        ).code === 0;
      pings.push(`${a}->${b} ${ok ? 'ok' : 'FAILED'}`);
    }
    const gatewayOk =
      (
        await run('ip', ['netns', 'exec', sandboxes[N - 1] as string, 'ping', '-c', '1', '-w', '10', '10.200.0.1'], {
          allowFailure: true,
        })
      ).code === 0;
    console.log(`spot check: ${pings.join(', ')}, ${N - 1}->gateway ${gatewayOk ? 'ok' : 'FAILED'}`);

    // One more attach at N ports, against ovs-vsctl add-port of one more veth (the floor).
    const oneMore: number[] = [];
    const vsctl: number[] = [];
    // Each timed step starts on an idle switch: no port removal of the previous round still
    // being applied by ovs-vswitchd (its reconfiguration would be billed to the next step).
    const quiesce = async (gone: string[]): Promise<void> => {
      await until(
        'removed ports gone',
        async () => {
          const present = new Set((await ovs.vsctl('list-ports', 'br-int')).split('\n'));
          return gone.every((p) => !present.has(p));
        },
        60_000,
      );
      await until(
        'ovs-vswitchd caught up',
        async () => {
          const [next, cur] = (await ovs.vsctl('get', 'Open_vSwitch', '.', 'next_cfg', 'cur_cfg'))
            .trim()
            .split('\n')
            .map(Number);
          return next === cur;
        },
        60_000,
      );
    };
    let removed: string[] = [];
    const byHand: number[] = [];
    for (let k = 0; k < 5; k++) {
      await quiesce(removed);
      const i = N; // the spare sandbox; detached again after each round
      const endpointId = `spare${k}scale`;
      let t = performance.now();
      const spare = await call('endpoint.create', {
        networkId: NETWORK,
        endpointId,
        ipv4: `${addressOf(i + k)}/19`,
      });
      await call('endpoint.join', {
        networkId: NETWORK,
        endpointId,
        sandboxKey: `/run/netns/${sandboxes[i] as string}`,
      });
      oneMore.push(performance.now() - t);
      const veth = `vs${k}${process.pid % 10000}`;
      await runOk('ip', ['-n', ovs.netns.name, 'link', 'add', veth, 'type', 'veth', 'peer', 'name', `${veth}p`]);
      await runOk('ip', ['-n', ovs.netns.name, 'link', 'set', veth, 'up']);
      await quiesce([]);
      t = performance.now();
      await ovs.vsctl('add-port', 'br-int', veth);
      vsctl.push(performance.now() - t);
      await ovs.vsctl('del-port', 'br-int', veth);
      // The same work as an attach, by hand: the veth made in the timed step too (its
      // appearance alone sets ovs-vswitchd reconsidering its interfaces).
      await quiesce([]);
      const handVeth = `vh${k}${process.pid % 10000}`;
      t = performance.now();
      await runOk('ip', [
        '-n',
        ovs.netns.name,
        'link',
        'add',
        handVeth,
        'up',
        'type',
        'veth',
        'peer',
        'name',
        `${handVeth}p`,
      ]);
      await ovs.vsctl('add-port', 'br-int', handVeth);
      byHand.push(performance.now() - t);
      await ovs.vsctl('del-port', 'br-int', handVeth);
      await call('endpoint.delete', { networkId: NETWORK, endpointId });
      removed = [spare.hostIfname];
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const ratio = median(oneMore) / median(vsctl);
    console.log(
      `one more attach at ${N} ports (medians of 5): ovsnet ${median(oneMore).toFixed(0)} ms (create+join), ovs-vsctl add-port ${median(vsctl).toFixed(0)} ms (the anchor), ip link add + ovs-vsctl add-port ${median(byHand).toFixed(0)} ms`,
    );

    // Cleanup, measured: detaching through the controller in batches vs tearing down the host.
    const t1 = performance.now();
    daemon.kill('SIGTERM');
    await ovs.stop(); // vswitchd stops, its namespace (with every host-side veth) goes at once
    dropSandboxes();
    console.log(
      `cleanup: OVS stopped and ${N + 1} namespaces with their veths removed in ${((performance.now() - t1) / 1000).toFixed(1)} s (no bridge deletion through OVSDB)`,
    );

    latencies.sort((a, b) => a - b);
    if (floorS !== undefined) console.log(`total vs the switch floor: ${(totalS / floorS).toFixed(2)}x`);
    console.log(
      `RESULT scale endpoints=${N} total_s=${totalS.toFixed(1)} attach_p50_ms=${percentile(latencies, 50).toFixed(0)} attach_p99_ms=${percentile(latencies, 99).toFixed(0)} ` +
        `next_attach_ratio_vs_vsctl=${ratio.toFixed(2)} flows_per_endpoint=${flowsPerEndpoint.toFixed(2)} rss_mb=${rss.toFixed(0)}`,
    );
  } catch (error) {
    console.error(daemonOutput);
    throw error;
  } finally {
    daemon.kill('SIGKILL');
    await ovs.stop();
    dropSandboxes();
    unregister();
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
