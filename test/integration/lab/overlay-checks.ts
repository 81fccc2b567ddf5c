// Checks of the overlay across the lab's three hosts, run inside the lab test's shared lab
// (lab.test.ts): networks made once (on any host) span every host; containers attached by
// hand on each host (`ovsnet attach add-port --network`) reach each other over VXLAN and over
// GRE exactly as policy says; ARP for remote containers is answered locally; frames forged
// on the underlay are dropped; a daemon killed under traffic loses no packet and replaces no
// flow; the underlay link going down and up, and etcd frozen, are survived.
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Lab } from '../../../vagrant/emulation/lab';
import { startOvsnetDaemon } from '../../../vagrant/emulation/ovsnet-daemon';
import { isRunning, signal, waitGone } from '../../../vagrant/emulation/processes';
import { callControl } from '../../../controller/control/client';
import type { NetworkSpec, TunnelType } from '../../../controller/api';
import { linkNames, Netns } from '../../harness/netns';
import { ping } from '../../harness/probes';
import { until } from '../../harness/until';
import { countFrames, ipv4Hex, macHex, RAW_FRAME_TOOL, type SniffHost } from '../../harness/frame-count';
import { innerUdpFrame, vxlanFrame, greFrame } from '../../harness/tunnel-frames';
import { recordDaemon } from './cluster-checks';

/** A namespace "container" attached by hand on one lab host. */
interface Container {
  name: string;
  host: string;
  network: string;
  ipv4: string;
  mac: string;
  ns: Netns;
}

interface OverlayFixture {
  containers: Map<string, Container>;
  vnis: Map<string, number>;
}

const NETWORKS: Array<{ name: string; tunnel: TunnelType; subnet: string; icc: boolean; internal: boolean }> = [
  { name: 'pol-vxlan', tunnel: 'vxlan', subnet: '10.81.0', icc: false, internal: false },
  { name: 'int-vxlan', tunnel: 'vxlan', subnet: '10.82.0', icc: true, internal: true },
  { name: 'pol-gre', tunnel: 'gre', subnet: '10.83.0', icc: false, internal: false },
  { name: 'int-gre', tunnel: 'gre', subnet: '10.84.0', icc: true, internal: true },
];

const controlSocket = (lab: Lab, host: string): string => join(lab.host(host).stateDir, 'ovsnet.ctl');

/** The underlay's namespace, where the lab's Linux bridge joins the hosts' cables. */
function underlayNs(lab: Lab): SniffHost & { name: string } {
  const name = lab.plan.underlay.netns;
  return {
    name,
    spawn: (cmd, args = [], env) =>
      spawn('ip', ['netns', 'exec', name, cmd, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: env ?? process.env,
      }),
  };
}

async function flowDurations(lab: Lab, host: string): Promise<Map<string, number>> {
  const text = await lab.execOk(host, ['ovs-ofctl', '-O', 'OpenFlow13', 'dump-flows', 'br-int']);
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const duration = /duration=([\d.]+)s/.exec(line);
    if (!duration) continue;
    const identity = line.replace(/duration=[\d.]+s, /, '').replace(/n_packets=\d+, n_bytes=\d+, /, '');
    out.set(identity.replace(/idle_age=\d+, /, '').trim(), Number(duration[1]));
  }
  return out;
}

export async function overlayChecks(t: TestContext, lab: Lab): Promise<OverlayFixture> {
  const fixture: OverlayFixture = { containers: new Map(), vnis: new Map() };
  const c = (name: string): Container => {
    const found = fixture.containers.get(name);
    if (!found) throw new Error(`no container ${name}`);
    return found;
  };
  t.after(async () => {
    for (const container of fixture.containers.values()) await container.ns.destroy();
  });

  await t.test('networks created once, on any host, span all three; containers attach on each host', async () => {
    for (const [i, n] of NETWORKS.entries()) {
      // Each network is made through a different host's control socket.
      const creator = lab.hosts[i % lab.hosts.length]?.name as string;
      const spec: NetworkSpec = {
        id: n.name,
        name: n.name,
        ipv4: [{ pool: `${n.subnet}.0/24`, gateway: `${n.subnet}.1` }],
        ipv6: [],
        icc: n.icc,
        internal: n.internal,
        tunnel: n.tunnel,
      };
      const created = await callControl(controlSocket(lab, creator), 'network.create', spec);
      assert.ok(created.vni !== undefined && created.vni > 0, `${n.name} got a VNI`);
      fixture.vnis.set(n.name, created.vni);
    }
    assert.equal(new Set(fixture.vnis.values()).size, NETWORKS.length, 'every network has its own VNI');
    const attaches: Array<Promise<void>> = [];
    for (const n of NETWORKS)
      for (const [i, host] of lab.hosts.entries()) {
        const name = `${n.name}-${host.name}`;
        attaches.push(
          (async () => {
            const ns = await Netns.create('ovl');
            const ipv4 = `${n.subnet}.${11 + i}`;
            fixture.containers.set(name, { name, host: host.name, network: n.name, ipv4, mac: '', ns });
            await until(
              `${host.name} to know ${n.name}`,
              async () =>
                (
                  await lab.exec(host.name, [
                    'ovsnet',
                    'attach',
                    'add-port',
                    'br-int',
                    'eth1',
                    name,
                    '--netns',
                    ns.path,
                    '--ipaddress',
                    `${ipv4}/24`,
                    '--network',
                    n.name,
                  ])
                ).code === 0,
              5_000,
              100,
            );
            const link = await ns.ip('-o', 'link', 'show', 'eth1');
            (c(name) as { mac: string }).mac = /link\/ether ([0-9a-f:]{17})/.exec(link)?.[1] ?? '';
            const mtu = Number(/ mtu (\d+)/.exec(link)?.[1]);
            assert.equal(mtu, n.tunnel === 'vxlan' ? 1450 : 1458, `${name}: MTU lowered by the ${n.tunnel} header`);
          })(),
        );
      }
    await Promise.all(attaches);
  });

  for (const tunnel of ['vxlan', 'gre'] as const) {
    await t.test(`reachability across hosts over ${tunnel}: ICC off with an allow rule, internal`, async () => {
      const pol = `pol-${tunnel}`;
      const int = `int-${tunnel}`;
      await callControl(controlSocket(lab, 'h3'), 'policy.allow', {
        networkId: pol,
        from: c(`${pol}-h1`).ipv4,
        to: c(`${pol}-h2`).ipv4,
        proto: 'icmp',
      });
      const cells: Array<[string, string, boolean, string]> = [
        [`${pol}-h1`, `${pol}-h2`, true, 'the allow rule, across hosts'],
        [`${pol}-h1`, `${pol}-h3`, false, 'ICC off, no rule'],
        [`${pol}-h3`, `${pol}-h2`, false, 'ICC off, no rule'],
        [`${pol}-h2`, `${pol}-h3`, false, 'ICC off, no rule'],
        [`${int}-h1`, `${int}-h2`, true, 'internal network, across hosts'],
        [`${int}-h2`, `${int}-h3`, true, 'internal network, across hosts'],
        [`${int}-h3`, `${int}-h1`, true, 'internal network, across hosts'],
        [`${pol}-h1`, `${int}-h2`, false, 'another network'],
        [`${int}-h1`, `${pol}-h2`, false, 'another network'],
      ];
      // Each host hears of the others' containers on its own time, and the first frames to a
      // new peer may be lost while the underlay learns MACs: every pair that should talk gets
      // to, before all are judged together.
      await Promise.all(
        cells
          .filter(([, , expected]) => expected)
          .map(([from, to]) => until(`${from} to reach ${to}`, () => ping(c(from).ns, c(to).ipv4), 10_000)),
      );
      const results = await Promise.all(
        cells.map(async ([from, to, expected, why]) => ({
          cell: `${from} -> ${to} (${why})`,
          expected,
          got: await ping(c(from).ns, c(to).ipv4, { timeoutMs: expected ? 2000 : 1000 }),
        })),
      );
      assert.deepEqual(
        results.filter((r) => r.got !== r.expected).map((r) => `${r.cell}: expected ${String(r.expected)}`),
        [],
      );
    });
  }

  await t.test('ARP for a container on another host is answered locally: no request crosses the underlay', async () => {
    const a = c('int-vxlan-h1');
    const b = c('int-vxlan-h2');
    await a.ns.ip('neigh', 'flush', 'all');
    const arpRequest = `06040001${macHex(a.mac)}${ipv4Hex(a.ipv4)}`;
    const echo = `${ipv4Hex(a.ipv4)}${ipv4Hex(b.ipv4)}`;
    const underlay = underlayNs(lab);
    // h1's cable: a capture on the bridge device itself would miss unicast between hosts.
    const bridge = lab.host('h1').underlayPeer;
    let answered = false;
    let tunnelled = 0;
    const requests = await countFrames(underlay, bridge, arpRequest, async () => {
      tunnelled = await countFrames(underlay, bridge, echo, async () => {
        answered = await ping(a.ns, b.ipv4);
      });
    });
    assert.equal(answered, true, 'the ping got its ARP answer and its reply');
    assert.ok(tunnelled > 0, 'control: the capture sees the encapsulated ping');
    assert.equal(requests, 0, 'no ARP request on the underlay');
  });

  await t.test('frames forged on the underlay are dropped unless they forge nothing', async () => {
    const victim = c('int-vxlan-h2');
    const h1 = c('int-vxlan-h1');
    const h3 = c('int-vxlan-h3');
    const victimHost = lab.host('h2');
    const underlay = underlayNs(lab);
    const brPhyMac = (await lab.execOk('h2', ['cat', '/sys/class/net/br-phy/address'])).trim();
    const vni = (name: string): number => fixture.vnis.get(name) as number;
    let n = 0;
    const inject = async (
      type: TunnelType,
      outer: { srcIp: string; key: number },
      inner: { src: Container; srcIp?: string; dst?: Container },
    ): Promise<number> => {
      const to = inner.dst ?? victim;
      const payload = `ovsnet-lab-injected-${process.pid}-${++n}`;
      const frame = innerUdpFrame({
        srcMac: inner.src.mac,
        dstMac: to.mac,
        srcIp: inner.srcIp ?? inner.src.ipv4,
        dstIp: to.ipv4,
        payload,
      });
      const wrap = type === 'vxlan' ? vxlanFrame : greFrame;
      const bytes = wrap(
        {
          srcMac: '02:99:00:00:00:01',
          dstMac: brPhyMac,
          srcIp: outer.srcIp,
          dstIp: victimHost.underlayIp,
          key: outer.key,
        },
        frame,
      ).toString('hex');
      return countFrames(to.ns, 'eth1', Buffer.from(payload).toString('hex'), async () => {
        const sender = underlay.spawn('/usr/bin/python3', [RAW_FRAME_TOOL, 'send', lab.plan.underlay.bridge, bytes]);
        await new Promise((resolve) => sender.once('exit', resolve));
      });
    };
    const fromH1 = (key: number): { srcIp: string; key: number } => ({ srcIp: lab.host('h1').underlayIp, key });
    assert.ok((await inject('vxlan', fromH1(vni('int-vxlan')), { src: h1 })) > 0, 'control: as h1 sends it');
    const greVictim = c('int-gre-h2');
    assert.ok(
      (await inject('gre', fromH1(vni('int-gre')), { src: c('int-gre-h1'), dst: greVictim })) > 0,
      'control: GRE, as h1 sends it',
    );
    assert.equal(await inject('vxlan', fromH1(vni('pol-vxlan')), { src: h1 }), 0, "another network's VNI");
    assert.equal(await inject('vxlan', fromH1(0xabcde), { src: h1 }), 0, 'a VNI no network has');
    assert.equal(await inject('gre', fromH1(vni('int-vxlan')), { src: h1 }), 0, 'a VXLAN network over GRE');
    assert.equal(await inject('vxlan', fromH1(vni('int-vxlan')), { src: h3 }), 0, "h1 claiming h3's container");
    assert.equal(
      await inject('vxlan', fromH1(vni('int-vxlan')), { src: h1, srcIp: '10.82.0.99' }),
      0,
      'an inner IP h1 has not',
    );
    assert.equal(
      await inject('vxlan', { srcIp: lab.plan.underlay.ip, key: vni('int-vxlan') }, { src: h1 }),
      0,
      'an outer source that is no host',
    );
  });

  await t.test('a daemon killed under traffic and restarted: no packet lost, no flow replaced', async () => {
    const a = c('int-vxlan-h1');
    const b = c('int-vxlan-h2');
    const before = await flowDurations(lab, 'h2');
    const sampled = performance.now();
    const pinging = a.ns.tryExec('ping', ['-n', '-q', '-i', '0.05', '-c', '160', b.ipv4], { timeoutMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const daemon = lab.processes().find((p) => p.role === 'ovsnet' && p.host === 'h2');
    assert.ok(daemon && isRunning(daemon), "h2's daemon runs");
    signal(daemon, 'SIGKILL');
    assert.deepEqual(await waitGone([daemon], 5_000), []);
    await startOvsnetDaemon(lab.plan, lab.host('h2'), new Set(lab.daemonOptions), (p) => recordDaemon(lab, 'h2', p));
    const result = await pinging;
    const loss = /(\d+(?:\.\d+)?)% packet loss/.exec(result.stdout)?.[1];
    assert.equal(Number(loss), 0, `ping across the restart: ${result.stdout.trim()}`);
    const after = await flowDurations(lab, 'h2');
    const elapsed = (performance.now() - sampled) / 1000;
    assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort(), 'the same flows');
    const replaced = [...before].filter(([flow, was]) => (after.get(flow) ?? 0) < was + elapsed - 2);
    assert.deepEqual(replaced, [], 'every flow kept running through the restart');
  });

  await t.test('the underlay link down and up again: traffic resumes by itself', async () => {
    const a = c('int-gre-h1');
    const b = c('int-gre-h3');
    assert.equal(await ping(a.ns, b.ipv4), true, 'before');
    await lab.execOk('h3', ['ip', 'link', 'set', 'ul0', 'down']);
    try {
      assert.equal(await ping(a.ns, b.ipv4), false, 'while the link is down');
    } finally {
      await lab.execOk('h3', ['ip', 'link', 'set', 'ul0', 'up']);
    }
    const up = performance.now();
    await until('traffic to resume', () => ping(a.ns, b.ipv4), 15_000);
    t.diagnostic(`traffic resumed ${((performance.now() - up) / 1000).toFixed(1)} s after the link came back`);
  });

  await t.test(
    'etcd frozen for 30 s: traffic keeps flowing, a new attach fails within 10 s, all converges after',
    async () => {
      const a = c('int-vxlan-h1');
      const b = c('int-vxlan-h2');
      const etcd = lab.processes().find((p) => p.role === 'etcd');
      assert.ok(etcd && isRunning(etcd), 'etcd runs');
      const late = await Netns.create('ovl');
      fixture.containers.set('late', {
        name: 'late',
        host: 'h1',
        network: 'int-vxlan',
        ipv4: '10.82.0.40',
        mac: '',
        ns: late,
      });
      const attachLate = (): ReturnType<Lab['exec']> =>
        lab.exec('h1', [
          'ovsnet',
          'attach',
          'add-port',
          'br-int',
          'eth1',
          'late',
          '--netns',
          late.path,
          '--ipaddress',
          '10.82.0.40/24',
          '--network',
          'int-vxlan',
        ]);
      signal(etcd, 'SIGSTOP');
      const frozen = performance.now();
      let lost = 0;
      let sent = 0;
      /** A command that needs etcd fails within 10 s of its start, naming the cluster store. */
      const refusedInTime = async (what: string, command: () => ReturnType<Lab['exec']>): Promise<void> => {
        const started = performance.now();
        const refused = await command();
        const tookMs = performance.now() - started;
        assert.notEqual(refused.code, 0, `the ${what} needs etcd`);
        assert.match(refused.stderr, /cluster store/i, `the error names the cluster store: ${refused.stderr}`);
        assert.ok(tookMs <= 10_000, `it failed after ${tookMs.toFixed(0)} ms: ${refused.stderr.trim()}`);
        t.diagnostic(`${what} refused after ${(tookMs / 1000).toFixed(1)} s: ${refused.stderr.trim()}`);
      };
      try {
        await refusedInTime('attach', attachLate);
        // Any CLI command that must write to etcd: its bound counts from its own start too.
        await refusedInTime('network create', () =>
          lab.exec('h2', ['ovsnet', 'network', 'create', 'frozen', '--subnet', '10.86.0.0/24']),
        );
        while (performance.now() - frozen < 30_000) {
          sent++;
          if (!(await ping(a.ns, b.ipv4, { timeoutMs: 1000 }))) lost++;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      } finally {
        signal(etcd, 'SIGCONT');
      }
      assert.equal(lost, 0, `pings lost while etcd was frozen: ${lost} of ${sent}`);
      const thawed = performance.now();
      let lastRefusal = '';
      await until(
        'the attach to work again',
        async () => {
          const result = await attachLate();
          lastRefusal = result.stderr.trim();
          return result.code === 0;
        },
        30_000,
        500,
      ).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}; the last attempt said: ${lastRefusal}`);
      });
      await until('the late container to reach h2', () => ping(late, b.ipv4), 10_000);
      // The attach refused while etcd was frozen may have been stored when etcd woke: it left
      // no second interface in the container, nor a second port on h1's bridge.
      assert.deepEqual(
        linkNames(await late.ip('-o', 'link', 'show')).sort(),
        ['eth1', 'lo'],
        'the late container has one interface of ours',
      );
      const ports = await lab.execOk('h1', [
        'ovs-vsctl',
        '--data=bare',
        '--no-heading',
        '--columns=name',
        'find',
        'interface',
        'external_ids:container_id=late',
      ]);
      assert.equal(ports.split('\n').filter(Boolean).length, 1, `one port for it on h1: ${ports}`);
      t.diagnostic(`converged ${((performance.now() - thawed) / 1000).toFixed(1)} s after etcd came back`);
      // etcd may have applied the refused create on waking: the network goes again, if so.
      await lab.exec('h2', ['ovsnet', 'network', 'rm', 'frozen']);
      assert.equal(await ping(a.ns, b.ipv4), true, 'and the old pair still talks');
    },
  );

  return fixture;
}

/** What the host-expiry check also asks of the overlay: a dead host's tunnel flows go. */
export function expiryProbes(fixture: OverlayFixture): {
  whileExpired: () => Promise<void>;
  afterReturn: () => Promise<void>;
} {
  const a = (): Container => fixture.containers.get('int-vxlan-h1') as Container;
  const b = (): Container => fixture.containers.get('int-vxlan-h3') as Container;
  return {
    whileExpired: async () => {
      await until(
        'h1 to drop its tunnel flows to h3',
        async () => !(await ping(a().ns, b().ipv4, { timeoutMs: 500 })),
        5_000,
      );
    },
    afterReturn: async () => {
      await until('h1 to reach h3 again', () => ping(a().ns, b().ipv4), 10_000);
    },
  };
}
