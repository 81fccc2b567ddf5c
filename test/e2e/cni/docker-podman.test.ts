// One ovsnet network, two runtimes: a network made by `docker network create -d ovsnet -o
// ovsnet.name=shared` is named in a Podman CNI configuration, and a Docker container and a
// Podman container on it reach each other (both are endpoints of the same daemon).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withDockerHost } from '../../harness/docker-host';
import { ovsnetNetwork } from '../../harness/ovsnet-daemon';
import { containerIp } from '../../harness/ovsnet-checks';
import { Podman, PODMAN_BINARIES } from '../../harness/podman';

test('a Docker container and a Podman container on the same ovsnet network reach each other', async (t) => {
  await withDockerHost(t, { needs: PODMAN_BINARIES }, async ({ ovs, docker, daemon, image }, scope) => {
    const podman = await Podman.start(ovs.netns);
    scope.defer(() => podman.stop());
    const podmanImage = await podman.importBusybox();
    await docker.docker(...ovsnetNetwork('shared', '--subnet', '10.86.0.0/24', '-o', 'ovsnet.name=shared'));
    podman.writeNetwork('shared', [{ type: 'ovsnet', socket: `${daemon.stateDir}/ovsnet.ctl` }]);
    await docker.docker('run', '-d', '--name', 'd1', '--net', 'shared', image, 'sleep', '600');
    await podman.podman('run', '-d', '--name', 'p1', '--net', 'shared', podmanImage, 'sleep', '600');
    const dockerIp = await containerIp(docker, 'd1', 'shared');
    const podmanIp = (
      await podman.podman('inspect', '-f', '{{(index .NetworkSettings.Networks "shared").IPAddress}}', 'p1')
    ).trim();
    assert.match(podmanIp, /^10\.86\.0\./, 'Podman got its address from the Docker network’s pool');
    assert.notEqual(podmanIp, dockerIp);
    const fromPodman = await podman.tryPodman('exec', 'p1', 'ping', '-c', '1', '-W', '2', dockerIp);
    assert.equal(fromPodman.code, 0, `Podman reaches Docker: ${fromPodman.stdout}`);
    const fromDocker = await docker.tryDocker('exec', 'd1', 'ping', '-c', '1', '-W', '2', podmanIp);
    assert.equal(fromDocker.code, 0, `Docker reaches Podman: ${fromDocker.stdout}`);
    await podman.podman('rm', '-f', '-t', '0', 'p1');
    await docker.docker('rm', '-f', 'd1');
    assert.deepEqual(await daemon.cli('endpoint', 'ls'), []);
  });
});
