// `docker run --ip/--ip6/--mac-address` on an ovsnet network: the container gets exactly
// what was asked, traffic flows with it (the port security pins exactly those), a taken
// address is refused with Docker's error, and `ovsnet status` names the plugin socket.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedDockerHost } from '../../harness/docker-host';
import { ovsnetNetwork } from '../../harness/ovsnet-daemon';

// A dual-stack network "fixed" with f1 at fixed addresses and MAC, and f2 beside it.
describe('docker run --ip, --ip6 and --mac-address on an ovsnet network', () => {
  const rig = sharedDockerHost({
    prepare: async ({ docker, image }) => {
      await docker.docker(...ovsnetNetwork('fixed', '--ipv6', '--subnet', '10.47.0.0/24', '--subnet', 'fd00:47::/64'));
      await docker.docker(
        'run',
        '-d',
        '--name',
        'f1',
        '--net',
        'fixed',
        '--ip',
        '10.47.0.50',
        '--ip6',
        'fd00:47::50',
        '--mac-address',
        '02:aa:bb:cc:dd:50',
        image,
        'sleep',
        '600',
      );
      await docker.docker('run', '-d', '--name', 'f2', '--net', 'fixed', image, 'sleep', '600');
    },
  });

  test('the container gets exactly the MAC and addresses asked for', (t) =>
    rig.run(t, async ({ docker }) => {
      const inside = await docker.docker('exec', 'f1', 'ip', 'addr', 'show', 'eth0');
      assert.match(inside, /link\/ether 02:aa:bb:cc:dd:50/, 'the MAC asked for');
      assert.match(inside, /inet 10\.47\.0\.50\/24/, 'the IPv4 address asked for');
      assert.match(inside, /inet6 fd00:47::50\/64/, 'the IPv6 address asked for');
    }));

  test('the container is reachable at the addresses asked for', (t) =>
    rig.run(t, async ({ docker }) => {
      assert.equal(
        (await docker.tryDocker('exec', 'f2', 'ping', '-c', '2', '-W', '2', '10.47.0.50')).code,
        0,
        'reachable at that address',
      );
      assert.equal(
        (await docker.tryDocker('exec', 'f2', 'ping', '-6', '-c', '2', '-W', '2', 'fd00:47::50')).code,
        0,
        'and at the IPv6 one',
      );
    }));

  test("an address already taken is refused with Docker's error naming it", (t) =>
    rig.run(t, async ({ docker, image }) => {
      const taken = await docker.tryDocker(
        'run',
        '-d',
        '--name',
        'f3',
        '--net',
        'fixed',
        '--ip',
        '10.47.0.50',
        image,
        'sleep',
        '600',
      );
      assert.notEqual(taken.code, 0, 'a taken address is refused');
      assert.match(taken.stderr, /10\.47\.0\.50/, `the error names the address: ${taken.stderr}`);
    }));

  test('ovsnet status names the plugin socket and the OVSDB connection', (t) =>
    rig.run(t, async ({ docker, daemon }) => {
      const status = (await daemon.cli('status')) as Record<string, unknown>;
      assert.equal(status['plugin'], `${docker.pluginDir}/ovsnet.sock`, 'status names the plugin socket');
      assert.equal(status['ovsdbConnected'], true);
    }));

  test('the containers and the network are removed without error', (t) =>
    rig.run(t, async ({ docker }) => {
      await docker.docker('rm', '-f', 'f1', 'f2', 'f3');
      await docker.docker('network', 'rm', 'fixed');
    }));
});
