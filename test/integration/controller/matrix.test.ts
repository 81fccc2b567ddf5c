// The controller on a real OVS with real packets: three networks of three containers, one
// with ICC off and an allow rule, one internal. Every ordered pair is probed with ICMP,
// TCP and UDP, and every container against its gateway; the observed reachability must
// equal the policy exactly. The same matrix runs once more with the daemon on a cluster
// store (etcd): one host of a cluster behaves exactly as a single host.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { ControllerHost, type Container, type ControllerHostOptions } from './fixture';
import { Etcd } from '../../harness/etcd';
import { ETCD_BINARIES, OVS_BINARIES, requireBinaries } from '../../harness/require';
import { withLogs } from '../../harness/failure-logs';
import { ping, startEchoServer, tcpProbe, udpProbe } from '../../harness/probes';

const NETS = [
  { id: 'open', subnet: '10.31.0.0/24', options: {} },
  { id: 'closed', subnet: '10.32.0.0/24', options: { icc: false } },
  { id: 'inner', subnet: '10.33.0.0/24', options: { internal: true } },
];

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

test('reachability matrix: isolation between networks, ICC off with one allow rule, internal network', async (t) => {
  if (!requireBinaries(t, [...OVS_BINARIES, 'ping'])) return;
  await matrix(t, {});
});

test('reachability matrix with the daemon on a cluster store (etcd)', async (t) => {
  if (!requireBinaries(t, [...OVS_BINARIES, ...ETCD_BINARIES, 'ping'])) return;
  const etcd = await Etcd.start();
  t.after(() => etcd.stop());
  await matrix(t, { cluster: { etcd: { endpoints: [etcd.clientUrl] }, hostId: 'matrix-host' } });
});

async function matrix(t: TestContext, options: ControllerHostOptions): Promise<void> {
  const host = await ControllerHost.start(options);
  t.after(() => host.stop());
  await withLogs([host], async () => {
    for (const n of NETS) await host.network(n.id, n.subnet, n.options);
    const byNet = new Map<string, Container[]>();
    for (const n of NETS) {
      const members: Container[] = [];
      for (let i = 2; i <= 4; i++)
        members.push(await host.container(n.id, `${n.id}-ep${i}-0123456789`, n.subnet.replace(/0\/24$/, `${i}/24`)));
      byNet.set(n.id, members);
    }
    const [a, b] = byNet.get('closed') as Container[];
    await host.daemon.registry.allowRules.add({
      networkId: 'closed',
      from: (a as Container).endpointId,
      to: (b as Container).endpointId,
      proto: 'tcp',
      port: 8080,
    });
    await host.daemon.dataplane.waitSynced(10_000);

    const all = [...byNet.values()].flat();
    for (const c of all) {
      await startEchoServer(c.ns, 'tcp', 8080);
      await startEchoServer(c.ns, 'udp', 9090);
    }
    const expectation = (from: Container, to: Container, proto: 'icmp' | 'tcp' | 'udp'): boolean => {
      if (from.networkId !== to.networkId) return false;
      if (from.networkId !== 'closed') return true;
      return proto === 'tcp' && from === a && to === b;
    };
    const mismatches: string[] = [];
    const pairs = all.flatMap((from) => all.filter((to) => to !== from).map((to) => ({ from, to })));
    await inBatches(pairs, 12, async ({ from, to }) => {
      const observed = {
        icmp: await ping(from.ns, to.ip, { timeoutMs: 700 }),
        tcp: await tcpProbe(from.ns, to.ip, 8080, { timeoutMs: 700 }),
        udp: await udpProbe(from.ns, to.ip, 9090, { timeoutMs: 700 }),
      };
      for (const proto of ['icmp', 'tcp', 'udp'] as const) {
        if (observed[proto] !== expectation(from, to, proto))
          mismatches.push(`${from.ip} -> ${to.ip} ${proto}: observed ${observed[proto]}`);
      }
    });
    for (const c of all) {
      const gateway = c.ip.replace(/\.\d+$/, '.1');
      if (!(await ping(c.ns, gateway, { timeoutMs: 1000 })))
        mismatches.push(`${c.ip} -> its gateway ${gateway}: unreachable`);
    }
    // The internal network's containers cannot leave their subnet, not even to the host's
    // other addresses; others can reach the host.
    for (const c of byNet.get('inner') as Container[]) {
      if (await ping(c.ns, '10.31.0.1', { timeoutMs: 500 })) mismatches.push(`${c.ip} (internal) reached 10.31.0.1`);
    }
    const outside = (byNet.get('open') as Container[])[0] as Container;
    if (!(await ping(outside.ns, '10.33.0.1', { timeoutMs: 1000 })))
      mismatches.push(`${outside.ip} could not reach the host at 10.33.0.1`);
    assert.deepEqual(mismatches, []);
  });
}
