// The controller on a real OVS with real packets: three networks of three containers, one
// with ICC off and an allow rule, one internal. Every ordered pair is probed with ICMP,
// TCP and UDP, and every container against its gateway; the observed reachability must
// equal the policy exactly. The same matrix runs once more with the daemon on a cluster
// store (etcd): one host of a cluster behaves exactly as a single host.
import { matrixHost } from './matrix-fixture';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withControllerHost, type Container, type ControllerHost } from './fixture';
import { Etcd } from '../../harness/etcd';
import { ETCD_BINARIES, requireBinaries } from '../../harness/require';
import { ping } from '../../harness/probes';
import { matrixMismatches, type Proto } from '../../harness/reachability';

test('reachability matrix: isolation between networks, ICC off with one allow rule, internal network', async (t) => {
  await withControllerHost(t, { needs: ['ping'] }, matrix);
});

test('reachability matrix with the daemon on a cluster store (etcd)', async (t) => {
  if (!requireBinaries(t, ETCD_BINARIES)) return;
  const etcd = await Etcd.start();
  t.after(() => etcd.stop());
  const cluster = { etcd: { endpoints: [etcd.clientUrl] }, hostId: 'matrix-host', dockerSync: false };
  await withControllerHost(t, { needs: ['ping'], cluster }, matrix);
});

async function matrix(host: ControllerHost): Promise<void> {
  const { byNet, a, b } = await matrixHost(host);

  const all = [...byNet.values()].flat();
  const expectation = (from: Container, to: Container, proto: Proto): boolean => {
    if (from.networkId !== to.networkId) return false;
    if (from.networkId !== 'closed') return true;
    return proto === 'tcp' && from === a && to === b;
  };
  const mismatches = await matrixMismatches(all, expectation);
  // The internal network's containers cannot leave their subnet, not even to the host's
  // other addresses; others can reach the host.
  for (const c of byNet.get('inner') as Container[]) {
    if (await ping(c.ns, '10.31.0.1', { timeoutMs: 500 })) mismatches.push(`${c.ip} (internal) reached 10.31.0.1`);
    // As a container with raw sockets could: it ARPs for that address itself, which an
    // unsealed host end of its veth would answer (host-end.test.ts).
    await c.ns.ip('route', 'replace', '10.31.0.1/32', 'dev', 'eth0');
    if (await ping(c.ns, '10.31.0.1', { timeoutMs: 1000 }))
      mismatches.push(`${c.ip} (internal) reached 10.31.0.1 by asking for it on its link`);
  }
  const outside = (byNet.get('open') as Container[])[0] as Container;
  if (!(await ping(outside.ns, '10.33.0.1', { timeoutMs: 1000 })))
    mismatches.push(`${outside.ip} could not reach the host at 10.33.0.1`);
  assert.deepEqual(mismatches, []);
}
