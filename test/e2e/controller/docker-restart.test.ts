// dockerd restarted under running containers on an ovsnet network (stopped as an operator
// does, started again on the same data root): the network is still there, containers with
// `--restart always` and ones started again with `docker start` get their connectivity
// back, and ovsnet holds exactly one endpoint, port, veth and address per container.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withDockerHost } from '../../harness/docker-host';
import { ovsnetNetwork } from '../../harness/ovsnet-daemon';
import { until } from '../../harness/until';
import { assertAddressesHeld, assertConnected, assertNothingLeaked, containerIp } from '../../harness/ovsnet-checks';

const GATEWAY = '10.81.0.1';

test('dockerd restart: the ovsnet network survives, restarted containers reconnect, nothing leaks', async (t) => {
  await withDockerHost(t, async ({ ovs, docker, daemon, image }) => {
    await docker.docker(...ovsnetNetwork('n1', '--subnet', '10.81.0.0/24'));
    await docker.docker('run', '-d', '--name', 'ra', '--restart', 'always', '--net', 'n1', image, 'sleep', '600');
    await docker.docker('run', '-d', '--name', 'rb', '--restart', 'always', '--net', 'n1', image, 'sleep', '600');
    await docker.docker('run', '-d', '--name', 'rc', '--net', 'n1', image, 'sleep', '600');
    await assertConnected(docker, ['ra', 'rb', 'rc'], 'n1', GATEWAY);

    await docker.restart();
    const networks = await docker.docker('network', 'ls', '--filter', 'driver=ovsnet', '--format', '{{.Name}}');
    assert.deepEqual(networks.split('\n').filter(Boolean), ['n1'], 'the ovsnet network is still known to Docker');
    await until(
      '--restart always containers running again',
      async () => {
        const running = (await docker.docker('ps', '--filter', 'status=running', '--format', '{{.Names}}'))
          .split('\n')
          .filter(Boolean)
          .sort();
        return JSON.stringify(running) === JSON.stringify(['ra', 'rb']);
      },
      60_000,
      250,
    );
    await docker.docker('start', 'rc');
    await assertConnected(docker, ['ra', 'rb', 'rc'], 'n1', GATEWAY);
    await assertNothingLeaked(ovs, daemon, 3);
    const ips = await Promise.all(['ra', 'rb', 'rc'].map((name) => containerIp(docker, name, 'n1')));
    await assertAddressesHeld(daemon, [GATEWAY, ...ips], 5_000);

    // And the network still works for new containers and goes away cleanly.
    await docker.docker('run', '--rm', '--net', 'n1', image, 'ping', '-c', '1', '-W', '3', ips[0] as string);
    await docker.docker('rm', '-f', 'ra', 'rb', 'rc');
    await docker.docker('network', 'rm', 'n1');
    await assertNothingLeaked(ovs, daemon, 0);
    await assertAddressesHeld(daemon, [], 5_000);
  });
});
