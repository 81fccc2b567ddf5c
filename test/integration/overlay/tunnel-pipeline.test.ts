// The overlay pipeline on real switches: two emulated hosts, each a private OVS in its own
// namespace with flow-based VXLAN and GRE ports, joined by an underlay, each running the
// pipeline built from its own view of the cluster (installed over OpenFlow, no daemon).
// Real packets show: containers of one network talk across hosts over VXLAN and over GRE,
// networks stay apart, ARP for a remote address is answered on the local host (and ARP for
// an address nobody holds goes nowhere), and frames injected on the underlay with a forged
// VNI, inner source or outer source are dropped (each attack beside a control frame that
// forges nothing and is delivered).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, type ClusterContainer } from '../../harness/overlay-cluster';
import { INTEGRATION_BRIDGE, Underlay, type OverlayContainer, type OverlayHost } from '../../harness/overlay-hosts';
import { greFrame, innerUdpFrame, vxlanFrame, type Outer } from '../../harness/tunnel-frames';
import { OVS_BINARIES, requireBinaries } from '../../harness/require';
import { withLogs } from '../../harness/failure-logs';
import { ping } from '../../harness/probes';
import { until } from '../../harness/until';
import { countFrames, ipv4Hex as ipHex, macHex as hex, RAW_FRAME_TOOL as RAW } from '../../harness/frame-count';
import type { Netns } from '../../harness/netns';
import { buildPipeline } from '../../../flows/pipeline/build';
import { toFlowMod } from '../../../flows/pipeline/spec';
import { SwitchClient } from '../../../controller/openflow/switch-client';
import { installFlows } from '../../../controller/openflow/install';
import { keyed } from '../../../controller/reconcile/desired-flows';
import type { FlowMod, FlowStats } from '../../../flows/ofp/types';

const UNDERLAY = { h1: '192.168.61.1', h2: '192.168.61.2', injector: '192.168.61.99' };
const VNI = { blue: 6101, green: 6102 };

const cluster = new Cluster(
  [
    { name: 'blue', vni: VNI.blue, tunnel: 'vxlan', icc: true, internal: false, subnet: '10.61.1.0/24' },
    { name: 'green', vni: VNI.green, tunnel: 'gre', icc: true, internal: false, subnet: '10.61.2.0/24' },
  ],
  [
    { name: 'h1', id: 1, tunnelIp: UNDERLAY.h1, tags: { blue: 1, green: 2 } },
    { name: 'h2', id: 2, tunnelIp: UNDERLAY.h2, tags: { blue: 5, green: 3 } },
  ],
  [
    { name: 'a', host: 'h1', network: 'blue', mac: '02:00:00:61:01:11', ipv4: '10.61.1.11' },
    { name: 'g1', host: 'h1', network: 'green', mac: '02:00:00:61:02:11', ipv4: '10.61.2.11' },
    { name: 'b', host: 'h2', network: 'blue', mac: '02:00:00:61:01:21', ipv4: '10.61.1.21' },
    { name: 'g2', host: 'h2', network: 'green', mac: '02:00:00:61:02:21', ipv4: '10.61.2.21' },
  ],
);

/** Installs the host's pipeline; resolves with the flows and what the switch reads back. */
async function installPipeline(
  t: { after(fn: () => unknown): void },
  host: OverlayHost,
): Promise<{ written: FlowMod[]; readBack: FlowStats[] }> {
  const client = new SwitchClient(`unix:${host.ovs.mgmtSocket(INTEGRATION_BRIDGE)}`);
  client.start();
  t.after(() => client.close());
  const session = await client.ready(10_000);
  const flows = buildPipeline(cluster.stateOf(host.name)).map(toFlowMod);
  await installFlows(session, flows);
  return { written: flows, readBack: await session.dumpFlows() };
}

test('the overlay pipeline between two OVS hosts, with real packets', async (t) => {
  if (!requireBinaries(t, [...OVS_BINARIES, 'ping', '/usr/bin/python3'])) return;
  const underlay = await Underlay.create(UNDERLAY.injector);
  t.after(() => underlay.destroy());
  await withLogs([underlay], async () => {
    const h1 = await underlay.addHost('h1', UNDERLAY.h1);
    const h2 = await underlay.addHost('h2', UNDERLAY.h2);
    const hosts = { h1, h2 };
    const containers = new Map<string, OverlayContainer>();
    for (const c of cluster.containers)
      containers.set(
        c.name,
        await hosts[c.host as 'h1' | 'h2'].container(`${c.ipv4}/24`, c.mac, cluster.ofport(c.name)),
      );
    const ns = (name: string): Netns => (containers.get(name) as OverlayContainer).ns;
    const spec = (name: string): ClusterContainer => cluster.container(name);
    for (const host of [h1, h2]) {
      const { written, readBack } = await installPipeline(t, host);
      assert.ok(written.length > 0);
      // The controller compares what it wants with what it reads back: a flow the switch
      // reports differently (a mask dropped, a field reordered) would be replaced forever.
      const want = keyed(written);
      const got = keyed(readBack);
      assert.deepEqual(
        [...want].filter(([id, f]) => got.get(id)?.content !== f.content).map(([id]) => id),
        [],
        `${host.name}: flows that read back otherwise`,
      );
      assert.equal(got.size, want.size, `${host.name}: as many flows as written`);
    }
    // The underlay itself works (and the hosts learn each other's MAC for their tunnels).
    await until(
      'the underlay',
      async () => (await h1.ovs.netns.tryExec('ping', ['-c1', '-W1', UNDERLAY.h2])).code === 0,
    );

    await t.test('containers of one network reach each other across hosts, over VXLAN and over GRE', async () => {
      await until('a pings b over VXLAN', () => ping(ns('a'), spec('b').ipv4), 15_000);
      await until('g1 pings g2 over GRE', () => ping(ns('g1'), spec('g2').ipv4), 15_000);
      assert.equal(await ping(ns('b'), spec('a').ipv4), true, 'and back');
    });

    await t.test('networks stay apart across hosts, even with the MAC known', async () => {
      const a = ns('a');
      await a.ip('route', 'add', '10.61.2.0/24', 'dev', 'eth0');
      await a.ip('neigh', 'replace', spec('g2').ipv4, 'lladdr', spec('g2').mac, 'dev', 'eth0', 'nud', 'permanent');
      assert.equal(await ping(a, spec('g2').ipv4, { timeoutMs: 700 }), false, 'blue a to green g2');
      await a.ip('neigh', 'replace', spec('b').ipv4, 'lladdr', spec('b').mac, 'dev', 'eth0', 'nud', 'permanent');
      assert.equal(await ping(a, spec('b').ipv4), true, 'control: the same way to b in blue works');
      await a.ip('neigh', 'del', spec('b').ipv4, 'dev', 'eth0');
    });

    await t.test(
      'ARP for the remote address is answered on the local host: no request crosses the underlay',
      async () => {
        const a = ns('a');
        await a.ip('neigh', 'flush', 'all');
        const arpFromA = `06040001${hex(spec('a').mac)}${ipHex(spec('a').ipv4)}`;
        const icmpAtoB = `${ipHex(spec('a').ipv4)}${ipHex(spec('b').ipv4)}`;
        let answered = false;
        let tunnelled = 0;
        const requests = await countFrames(underlay.ns, h1.underlayPort, arpFromA, async () => {
          tunnelled = await countFrames(underlay.ns, h1.underlayPort, icmpAtoB, async () => {
            answered = await ping(a, spec('b').ipv4);
          });
        });
        assert.equal(answered, true, 'the ping got its ARP answer and its reply');
        assert.ok(tunnelled > 0, 'control: the capture sees the encapsulated ping');
        assert.equal(requests, 0, 'no ARP request from a on the underlay');
        const neigh = await a.ip('neigh', 'show', spec('b').ipv4);
        assert.match(neigh, new RegExp(spec('b').mac), "a learned b's MAC");
      },
    );

    await t.test('ARP for an address nobody holds crosses no tunnel; a broadcast does', async () => {
      const a = ns('a');
      const nobody = '10.61.1.99';
      const arpFromA = `06040001${hex(spec('a').mac)}${ipHex(spec('a').ipv4)}`;
      const toAll = `${ipHex(spec('a').ipv4)}${ipHex('10.61.1.255')}`;
      let answered = true;
      const requests = await countFrames(underlay.ns, h1.underlayPort, arpFromA, async () => {
        answered = await ping(a, nobody, { timeoutMs: 1000 });
      });
      assert.equal(answered, false, 'nobody answers');
      assert.equal(requests, 0, 'no ARP request from a on the underlay');
      const broadcasts = await countFrames(underlay.ns, h1.underlayPort, toAll, async () => {
        await a.tryExec('ping', ['-n', '-b', '-c', '1', '-W', '0.5', '10.61.1.255']);
      });
      assert.ok(broadcasts > 0, 'control: a broadcast from a reaches h2 through the tunnel');
    });

    await t.test('frames injected on the underlay are dropped unless they forge nothing', async () => {
      const outer = async (srcIp: string, key: number): Promise<Outer> => ({
        srcMac: '02:99:00:00:00:01',
        dstMac: await h2.underlayMac(),
        srcIp,
        dstIp: UNDERLAY.h2,
        key,
      });
      let n = 0;
      /** Copies of an injected frame that reach `to` on h2. */
      const inject = async (
        type: 'vxlan' | 'gre',
        from: { srcIp: string; key: number },
        inner: { src: ClusterContainer; to: string; srcIp?: string },
      ): Promise<number> => {
        const payload = `ovsnet-injected-${process.pid}-${++n}`;
        const frame = innerUdpFrame({
          srcMac: inner.src.mac,
          dstMac: spec(inner.to).mac,
          srcIp: inner.srcIp ?? inner.src.ipv4,
          dstIp: spec(inner.to).ipv4,
          payload,
        });
        const wrap = type === 'vxlan' ? vxlanFrame : greFrame;
        const bytes = wrap(await outer(from.srcIp, from.key), frame).toString('hex');
        return countFrames(ns(inner.to), 'eth0', Buffer.from(payload).toString('hex'), () =>
          underlay.ns.exec('/usr/bin/python3', [RAW, 'send', underlay.bridge, bytes]),
        );
      };
      const fromH1 = (key: number): { srcIp: string; key: number } => ({ srcIp: UNDERLAY.h1, key });
      const a = spec('a');
      const g1 = spec('g1');
      assert.ok((await inject('vxlan', fromH1(VNI.blue), { src: a, to: 'b' })) > 0, 'control: VXLAN, as h1 sends it');
      assert.ok((await inject('gre', fromH1(VNI.green), { src: g1, to: 'g2' })) > 0, 'control: GRE, as h1 sends it');
      assert.equal(await inject('vxlan', fromH1(4242), { src: a, to: 'b' }), 0, 'a VNI no network has');
      assert.equal(await inject('gre', fromH1(VNI.green), { src: a, to: 'g2' }), 0, "green's VNI on a blue endpoint");
      assert.equal(await inject('vxlan', fromH1(VNI.green), { src: g1, to: 'b' }), 0, "green's VNI over VXLAN");
      assert.equal(await inject('vxlan', fromH1(VNI.blue), { src: g1, to: 'b' }), 0, 'inner MAC of another network');
      assert.equal(
        await inject('vxlan', fromH1(VNI.blue), { src: { ...a, mac: '02:66:66:66:66:66' }, to: 'b' }),
        0,
        'an inner MAC h1 does not have',
      );
      assert.equal(
        await inject('vxlan', fromH1(VNI.blue), { src: spec('b'), to: 'b' }),
        0,
        "h2's own container claimed by h1",
      );
      assert.equal(await inject('vxlan', fromH1(VNI.blue), { src: a, to: 'b', srcIp: '10.61.1.99' }), 0, 'inner IP');
      assert.equal(
        await inject('vxlan', { srcIp: UNDERLAY.injector, key: VNI.blue }, { src: a, to: 'b' }),
        0,
        'an outer source that is no host',
      );
      assert.equal(await ping(ns('a'), spec('b').ipv4), true, 'the victims keep working');
    });
  });
});
