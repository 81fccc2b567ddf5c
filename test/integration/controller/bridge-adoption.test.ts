// A br-int made by someone else (standalone, OpenFlow 1.0, a controller of its own) is
// adopted and corrected, saying what changed; later drift of fail_mode is repaired while
// containers run, and a flood of cross-network probes gets no answer throughout.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { OvsInstance } from '../../harness/ovs';
import { sharedRig } from '../../harness/rig';
import { ovsNeeds } from '../../harness/with-ovs';
import { ping } from '../../harness/probes';
import { until } from '../../harness/until';
import { flood, IP, startHost, type Host } from './two-networks';

/** Someone made br-int before ovsnet, with every setting wrong. */
async function foreignBridge(ovs: OvsInstance): Promise<void> {
  await ovs.vsctl(
    'add-br',
    'br-int',
    '--',
    'set',
    'bridge',
    'br-int',
    'datapath_type=netdev',
    'fail_mode=standalone',
    'protocols=OpenFlow10',
    '--',
    'set-controller',
    'br-int',
    'tcp:127.0.0.1:1',
  );
}

describe('a pre-existing integration bridge', () => {
  const rig = sharedRig({ needs: ovsNeeds({ needs: ['ping'] }), start: (scope) => startHost(scope, foreignBridge) });
  const column = async (host: Host, name: string): Promise<string> =>
    (await host.ovs.vsctl('get', 'bridge', 'br-int', name)).trim();

  test('is adopted: fail_mode, protocols and controller corrected, and the log says what changed', (t) =>
    rig.run(t, async (host) => {
      assert.equal(await column(host, 'fail_mode'), 'secure');
      assert.equal(await column(host, 'protocols'), '[OpenFlow13]');
      assert.equal(await column(host, 'controller'), '[]');
      assert.match(host.daemon.logs(), /adopted an existing bridge/);
      assert.match(host.daemon.logs(), /fail_mode standalone -> secure/);
      assert.match(host.daemon.logs(), /protocols OpenFlow10 -> OpenFlow13/);
      assert.equal(await ping(host.a, IP.b), true, 'containers of one network reach each other');
      assert.equal(await ping(host.a, IP.c), false, 'across networks they do not');
    }));

  test('fail_mode set to standalone under running containers: restored at once, no cross-network answer meanwhile', (t) =>
    rig.run(t, async (host) => {
      const probes = flood(host.a, IP.c, 4);
      await new Promise((r) => setTimeout(r, 1000));
      await host.ovs.vsctl('set', 'bridge', 'br-int', 'fail_mode=standalone');
      const answered = await probes;
      assert.equal(answered, 0, 'not one cross-network ping was answered');
      await until('fail_mode restored', async () => (await column(host, 'fail_mode')) === 'secure', 10_000);
      assert.match(host.daemon.logs(), /bridge settings drifted; restoring them/);
      await until('n1 traffic back', () => ping(host.a, IP.b), 10_000);
      assert.equal(await ping(host.a, IP.c), false);
    }));

  test('a controller added by hand is removed', (t) =>
    rig.run(t, async (host) => {
      await host.ovs.vsctl('set-controller', 'br-int', 'tcp:127.0.0.1:2');
      await until('controller removed', async () => (await column(host, 'controller')) === '[]', 10_000);
      await until('n1 traffic back', () => ping(host.a, IP.b), 10_000);
      assert.equal(await ping(host.a, IP.c), false);
    }));
});
