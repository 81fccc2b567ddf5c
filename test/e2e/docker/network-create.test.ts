// A real dockerd finds the plugin socket in its plugin directory and drives it through
// `docker network create` / `docker network rm`. The controller behind the plugin is the
// recording test double, so this checks the Docker-facing half: discovery, activation,
// the calls Docker makes, and how our answers and refusals surface in the docker CLI.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedDockerEngine } from '../../harness/docker-host';
import { ovsnetNetwork } from '../../harness/ovsnet-daemon';

// The tests run in order on one dockerd: n1 is created first and removed last.
describe('docker network create and rm with -d ovsnet --ipam-driver ovsnet', () => {
  const rig = sharedDockerEngine({ pluginDouble: true });
  let id = '';

  test('create asks ovsnet IPAM for the pool and the gateway, then creates the network', (t) =>
    rig.run(t, async ({ docker, controller }) => {
      id = (
        await docker.docker(
          ...ovsnetNetwork('n1', '--subnet', '10.50.0.0/24', '-o', 'ovsnet.mtu=1450', '-o', 'ovsnet.icc=false'),
        )
      ).trim();
      assert.match(id, /^[0-9a-f]{64}$/);
      assert.deepEqual(
        controller.methods().filter((m) => m !== 'defaultAddressSpaces'),
        ['requestPool', 'requestAddress', 'createNetwork'],
      );
      assert.deepEqual(controller.calls.find((c) => c.method === 'requestPool')?.args, [
        { addressSpace: 'OvsnetLocal', pool: '10.50.0.0/24', v6: false },
      ]);
      assert.deepEqual(controller.calls.find((c) => c.method === 'requestAddress')?.args, [
        { poolId: 'OvsnetLocal/10.50.0.0/24', kind: 'gateway' },
      ]);
      assert.deepEqual(controller.networks.get(id), {
        id,
        ipv4: [{ pool: '10.50.0.0/24', gateway: '10.50.0.1' }],
        ipv6: [],
        icc: false,
        internal: false,
        mtu: 1450,
      });
    }));

  test('docker network inspect shows the ovsnet drivers and the subnet', (t) =>
    rig.run(t, async ({ docker }) => {
      const inspected = JSON.parse(await docker.docker('network', 'inspect', 'n1')) as Array<{
        Driver: string;
        IPAM: { Driver: string; Config: Array<{ Subnet: string }> };
      }>;
      assert.equal(inspected[0]?.Driver, 'ovsnet');
      assert.equal(inspected[0]?.IPAM.Driver, 'ovsnet');
      // Docker 20.10 shows only what the user gave (the subnet); newer versions add the gateway.
      assert.equal(inspected[0]?.IPAM.Config[0]?.Subnet, '10.50.0.0/24');
    }));

  test('a refused option surfaces in the CLI with our message, and Docker gives the pool back', (t) =>
    rig.run(t, async ({ docker, controller }) => {
      const before = controller.calls.length;
      const refused = await docker.tryDocker(
        ...ovsnetNetwork('n2', '--subnet', '10.51.0.0/24', '-o', 'ovsnet.tunnel=geneve'),
      );
      assert.notEqual(refused.code, 0);
      assert.match(
        refused.stderr,
        /invalid value "geneve" for option ovsnet\.tunnel: accepted values are vxlan or gre/,
      );
      const rollback = controller
        .methods()
        .slice(before)
        .filter((m) => m !== 'defaultAddressSpaces');
      assert.deepEqual(
        rollback,
        ['requestPool', 'requestAddress', 'releaseAddress', 'releasePool'],
        'refused before the controller is asked',
      );
      assert.equal(controller.pools.size, 1, "only n1's pool remains");
    }));

  test('rm releases the gateway and the pool, then deletes the network', (t) =>
    rig.run(t, async ({ docker, controller }) => {
      const rmStart = controller.calls.length;
      await docker.docker('network', 'rm', 'n1');
      assert.deepEqual(controller.methods().slice(rmStart), ['releaseAddress', 'releasePool', 'deleteNetwork']);
      assert.deepEqual(
        controller.calls.slice(rmStart).map((c) => c.args),
        [['OvsnetLocal/10.50.0.0/24', '10.50.0.1'], ['OvsnetLocal/10.50.0.0/24'], [id]],
      );
      assert.equal(controller.networks.size, 0);
      assert.equal(controller.pools.size, 0);
    }));
});
