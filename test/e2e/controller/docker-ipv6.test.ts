// Dual-stack ovsnet networks (`docker network create --ipv6`): containers get IPv6
// addresses from the network's /64, reach each other and their gateway over IPv6, and
// cannot reach a container on a second dual-stack network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withDockerHost } from '../../harness/docker-host';
import { ovsnetNetwork } from '../../harness/ovsnet-daemon';

test('docker network create --ipv6: containers get IPv6 addresses, ping6 each other and the gateway, not another network', async (t) => {
  await withDockerHost(t, async ({ ovs, docker, image }) => {
    const create = (name: string, n: number): Promise<string> =>
      docker.docker(...ovsnetNetwork(name, '--ipv6', '--subnet', `10.${n}.0.0/24`, '--subnet', `fd00:${n}::/64`));
    // A host that routes IPv6 (as Docker's own IPv6 networks make it): isolation between
    // networks must then come from ovsnet, not from the host refusing to forward.
    await ovs.netns.exec('sysctl', ['-qw', 'net.ipv6.conf.all.forwarding=1']);
    await create('d1', 85);
    await create('d2', 86);
    for (const [name, net] of [
      ['v6a', 'd1'],
      ['v6b', 'd1'],
      ['v6c', 'd2'],
    ] as const) {
      await docker.docker('run', '-d', '--name', name, '--net', net, image, 'sleep', '600');
    }
    const ipv6 = async (name: string, net: string): Promise<string> =>
      (
        await docker.docker('inspect', '-f', `{{(index .NetworkSettings.Networks "${net}").GlobalIPv6Address}}`, name)
      ).trim();
    const b = await ipv6('v6b', 'd1');
    const c = await ipv6('v6c', 'd2');
    assert.match(await ipv6('v6a', 'd1'), /^fd00:85::[0-9a-f:]+$/, 'Docker reports an IPv6 address from the subnet');
    assert.match(b, /^fd00:85::[0-9a-f:]+$/);
    assert.match(c, /^fd00:86::[0-9a-f:]+$/);
    const inside = await docker.docker('exec', 'v6a', 'ip', '-6', 'addr', 'show', 'eth0');
    assert.match(
      inside,
      new RegExp(`inet6 ${await ipv6('v6a', 'd1')}/64`),
      'the address is on the container interface',
    );
    const ping6 = async (from: string, to: string): Promise<boolean> =>
      (await docker.tryDocker('exec', from, 'ping6', '-c', '2', '-W', '2', to)).code === 0;
    assert.equal(await ping6('v6a', b), true, 'v6a reaches v6b over IPv6');
    assert.equal(await ping6('v6b', 'fd00:85::1'), true, 'v6b reaches its IPv6 gateway');
    assert.match(
      await docker.docker('exec', 'v6a', 'ip', '-6', 'route'),
      /default via fd00:85::1 dev eth0/,
      'the IPv6 default route is the gateway (so v6c is routable)',
    );
    const fromHost = await ovs.netns.tryExec('ping', ['-6', '-c', '1', '-W', '2', c]);
    assert.equal(fromHost.code, 0, 'control: the host routes to v6c over IPv6');
    assert.equal(await ping6('v6a', c), false, 'v6a cannot reach v6c on another network over IPv6');
    const v4 = (
      await docker.docker('inspect', '-f', '{{(index .NetworkSettings.Networks "d1").IPAddress}}', 'v6b')
    ).trim();
    assert.equal(
      (await docker.tryDocker('exec', 'v6a', 'ping', '-c', '1', '-W', '2', v4)).code,
      0,
      'IPv4 works alongside',
    );
  });
});
