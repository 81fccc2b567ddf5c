// A real dockerd finds the plugin socket in its plugin directory and drives it through
// `docker network create` / `docker network rm`. The controller behind the plugin is the
// recording test double (the real controller does not exist yet), so this checks the
// Docker-facing half: discovery, activation, the calls Docker makes, and how our answers
// and refusals surface in the docker CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DockerEngine } from '../../harness/docker';
import { Netns } from '../../harness/netns';
import { DOCKER_BINARIES, requireBinaries } from '../../harness/require';
import { withLogs } from '../../harness/failure-logs';
import { startDockerPlugin } from '../../../drivers/docker/plugin';
import { ControllerDouble } from '../../integration/docker/controller-double';
import { capturingLogger } from '../../integration/docker/plugin-client';

test('docker network create/rm with -d ovsnet --ipam-driver ovsnet reach the controller API', async (t) => {
  if (!requireBinaries(t, DOCKER_BINARIES)) return;
  const host = await Netns.create('h');
  t.after(() => host.destroy());
  const docker = await DockerEngine.start({ netns: host });
  t.after(() => docker.stop());
  const controller = new ControllerDouble();
  const plugin = await startDockerPlugin({
    pluginDir: docker.pluginDir,
    network: controller,
    ipam: controller,
    logger: capturingLogger().logger,
  });
  t.after(() => plugin.close());

  await withLogs([docker], async () => {
    const id = (
      await docker.docker(
        'network',
        'create',
        '-d',
        'ovsnet',
        '--ipam-driver',
        'ovsnet',
        '--subnet',
        '10.50.0.0/24',
        '-o',
        'ovsnet.mtu=1450',
        '-o',
        'ovsnet.icc=false',
        'n1',
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
    const inspected = JSON.parse(await docker.docker('network', 'inspect', 'n1')) as Array<{
      Driver: string;
      IPAM: { Driver: string; Config: Array<{ Subnet: string }> };
    }>;
    assert.equal(inspected[0]?.Driver, 'ovsnet');
    assert.equal(inspected[0]?.IPAM.Driver, 'ovsnet');
    // Docker 20.10 shows only what the user gave (the subnet); newer versions add the gateway.
    assert.equal(inspected[0]?.IPAM.Config[0]?.Subnet, '10.50.0.0/24');

    // A refused option surfaces in the CLI with our message, and Docker gives the pool back.
    const before = controller.calls.length;
    const refused = await docker.tryDocker(
      'network',
      'create',
      '-d',
      'ovsnet',
      '--ipam-driver',
      'ovsnet',
      '--subnet',
      '10.51.0.0/24',
      '-o',
      'ovsnet.tunnel=geneve',
      'n2',
    );
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /invalid value "geneve" for option ovsnet\.tunnel: accepted values are vxlan or gre/);
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

    const rmStart = controller.calls.length;
    await docker.docker('network', 'rm', 'n1');
    assert.deepEqual(controller.methods().slice(rmStart), ['releaseAddress', 'releasePool', 'deleteNetwork']);
    assert.deepEqual(
      controller.calls.slice(rmStart).map((c) => c.args),
      [['OvsnetLocal/10.50.0.0/24', '10.50.0.1'], ['OvsnetLocal/10.50.0.0/24'], [id]],
    );
    assert.equal(controller.networks.size, 0);
    assert.equal(controller.pools.size, 0);
  });
});
