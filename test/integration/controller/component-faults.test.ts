// Open vSwitch's own daemons fail under a running ovsnet: ovs-vswitchd killed with -9 and
// restarted, ovsdb-server killed with -9 and restarted, and restarted gracefully. ovsnet
// notices by itself, and traffic comes back; a flood of cross-network pings is never
// answered, during the fault or after it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readPid } from '../../../controller/ovs/private-ovs';
import { sharedRig } from '../../harness/rig';
import { ovsNeeds } from '../../harness/with-ovs';
import { ping } from '../../harness/probes';
import { until } from '../../harness/until';
import { flood, IP, startHost, type Host } from './two-networks';

/** kill -9 of one of the host's OVS daemons. */
function kill9(host: Host, daemon: 'ovs-vswitchd' | 'ovsdb-server'): void {
  const pid = readPid(host.ovs.ovs.pidfile(daemon));
  assert.ok(pid !== undefined, `${daemon} runs`);
  process.kill(pid, 'SIGKILL');
}

describe('faults of the Open vSwitch daemons under a running ovsnet', () => {
  const rig = sharedRig({ needs: ovsNeeds({ needs: ['ping'] }), start: (scope) => startHost(scope) });

  test('ovs-vswitchd kill -9 and restart: ports, flows and traffic come back within 10 s; no cross-network answer', (t) =>
    rig.run(t, async (host) => {
      assert.equal(await ping(host.a, IP.b), true);
      const probes = flood(host.a, IP.c, 6);
      await new Promise((r) => setTimeout(r, 500));
      kill9(host, 'ovs-vswitchd');
      await new Promise((r) => setTimeout(r, 1000));
      const restarted = Date.now();
      await host.ovs.ovs.startVswitchd();
      await until('n1 traffic back', () => ping(host.a, IP.b, { timeoutMs: 500 }), 10_000, 100);
      assert.ok(Date.now() - restarted < 10_000, 'back within 10 s');
      assert.equal(await probes, 0, 'not one cross-network ping was answered');
      assert.equal(await ping(host.a, IP.c), false);
    }));

  test('ovsdb-server kill -9 and restart: the daemon reconnects, resyncs and repairs what changed meanwhile', (t) =>
    rig.run(t, async (host) => {
      const probes = flood(host.a, IP.c, 4);
      kill9(host, 'ovsdb-server');
      await new Promise((r) => setTimeout(r, 1000));
      await host.ovs.ovs.startOvsdb();
      // Something changes behind ovsnet's back right after: a container's port goes.
      const ports = (await host.ovs.vsctl('list-ports', 'br-int')).split('\n');
      const port = ports.find((p) => p.startsWith('ov') && !p.startsWith('ovsgw'));
      assert.ok(port, `a container port exists among ${ports.join(' ')}`);
      await host.ovs.vsctl('del-port', 'br-int', port);
      await until(
        'the port restored',
        async () => (await host.ovs.vsctl('list-ports', 'br-int')).includes(port),
        15_000,
      );
      await until('n1 traffic back', () => ping(host.a, IP.b, { timeoutMs: 500 }), 15_000, 100);
      assert.equal(await probes, 0, 'not one cross-network ping was answered');
      const status = (await host.daemon.cli('status')) as Record<string, unknown>;
      assert.equal(status['ovsdbConnected'], true);
    }));

  test('ovsdb-server graceful restart: traffic goes on and isolation holds', (t) =>
    rig.run(t, async (host) => {
      const probes = flood(host.a, IP.c, 4);
      await host.ovs.restartOvsdb();
      await until('n1 traffic', () => ping(host.a, IP.b, { timeoutMs: 500 }), 10_000, 100);
      assert.equal(await probes, 0);
      await until(
        'the daemon reconnected',
        async () => ((await host.daemon.cli('status')) as Record<string, unknown>)['ovsdbConnected'] === true,
        15_000,
      );
    }));
});
