// `docker network create -d ovsnet` and `docker run --net` against a real dockerd, with
// the real ovsnet daemon (as its own process) and a real OVS: containers on OVS ports,
// reaching each other and their gateway, isolated from other networks, and everything
// removed again with the containers and networks.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Netns, uniqueIfname, vethPair } from '../../harness/netns';
import { httpGet } from '../../harness/probes';
import { until } from '../../harness/until';
import { sharedDockerHost, type DockerHost } from '../../harness/docker-host';
import { ovsnetNetwork } from '../../harness/ovsnet-daemon';
import { endpointPorts, endpointVeths, onlyPoolPortsLeft } from '../../harness/ovsnet-checks';

/** Whether `from` (a container) pings `to`. */
async function ping({ docker }: DockerHost, from: string, to: string): Promise<boolean> {
  return (await docker.tryDocker('exec', from, 'ping', '-c', '2', '-W', '2', to)).code === 0;
}

// Networks n1 (c1, c2) and n2 (c3), and an "outside" namespace behind the host reachable
// only through the host's NAT. The tests run in order; the last removes everything.
describe('docker containers on ovsnet networks', () => {
  let c2 = '';
  let c3 = '';
  let outside: Netns;
  const rig = sharedDockerHost({
    prepare: async ({ ovs, docker, image }, scope) => {
      await docker.docker(...ovsnetNetwork('n1', '--subnet', '10.70.0.0/24'));
      await docker.docker(...ovsnetNetwork('n2', '--subnet', '10.71.0.0/24'));
      for (const [name, net] of [
        ['c1', 'n1'],
        ['c2', 'n1'],
        ['c3', 'n2'],
      ] as const) {
        await docker.docker('run', '-d', '--name', name, '--net', net, image, 'sleep', '600');
      }
      const ip = async (name: string, net: string): Promise<string> =>
        (await docker.docker('inspect', '-f', `{{.NetworkSettings.Networks.${net}.IPAddress}}`, name)).trim();
      c2 = await ip('c2', 'n1');
      c3 = await ip('c3', 'n2');
      outside = await Netns.create('out');
      scope.defer(() => outside.destroy());
      await vethPair(
        { ns: ovs.netns, name: uniqueIfname('up'), addresses: ['10.99.0.1/24'] },
        { ns: outside, name: 'eth0', addresses: ['10.99.0.2/24'] },
      );
    },
  });

  test('containers of one network get its addresses and reach each other and their gateway', (t) =>
    rig.run(t, async (host) => {
      assert.match(c2, /^10\.70\.0\.\d+$/);
      assert.equal(await ping(host, 'c1', c2), true, 'c1 reaches c2 on n1');
      assert.equal(await ping(host, 'c2', '10.70.0.1'), true, 'c2 reaches its gateway');
    }));

  test('a container cannot reach one on another network', (t) =>
    rig.run(t, async (host) => {
      assert.equal(await ping(host, 'c1', c3), false, 'c1 cannot reach c3 on another network');
    }));

  test('each container has one port on OVS', (t) =>
    rig.run(t, async (host) => {
      const ports = await endpointPorts(host.ovs, host.daemon);
      assert.equal(ports.length, 3, `container ports on OVS: ${ports.join(' ')}`);
      assert.equal(await ping(host, 'c1', c2), true, 'still connected');
    }));

  test('a container stopped and started again (a new endpoint) is connected again', (t) =>
    rig.run(t, async (host) => {
      await host.docker.docker('stop', '-t', '0', 'c1');
      await host.docker.docker('start', 'c1');
      assert.equal(await ping(host, 'c1', c2), true, 'c1 works again after stop/start');
    }));

  test('docker network connect and disconnect add and remove reachability of that network', (t) =>
    rig.run(t, async (host) => {
      await host.docker.docker('network', 'connect', 'n2', 'c1');
      assert.equal(await ping(host, 'c1', c3), true, 'after network connect, c1 reaches c3 on n2');
      await host.docker.docker('network', 'disconnect', 'n2', 'c1');
      assert.equal(await ping(host, 'c1', c3), false, 'after network disconnect, c1 no longer reaches c3');
      assert.equal(await ping(host, 'c1', c2), true, 'and still reaches c2');
    }));

  test('stop/start and connect/disconnect leak no port', (t) =>
    rig.run(t, async (host) => {
      const after = await endpointPorts(host.ovs, host.daemon);
      assert.equal(after.length, 3, `no port leaked by stop/start/connect/disconnect: ${after.join(' ')}`);
    }));

  test('containers reach the outside through SNAT', (t) =>
    rig.run(t, async (host) => {
      assert.equal(await ping(host, 'c1', '10.99.0.2'), true, 'containers reach the outside through SNAT');
    }));

  test('a container on an --internal network cannot get out', (t) =>
    rig.run(t, async (host) => {
      await host.docker.docker(...ovsnetNetwork('n3', '--internal', '--subnet', '10.72.0.0/24'));
      await host.docker.docker('run', '-d', '--name', 'c4', '--net', 'n3', host.image, 'sleep', '600');
      assert.equal(await ping(host, 'c4', '10.99.0.2'), false, 'an internal network cannot get out');
    }));

  test('-p 8080:80 reaches the container from outside', (t) =>
    rig.run(t, async (host) => {
      await host.docker.docker(
        'run',
        '-d',
        '--name',
        'web',
        '--net',
        'n1',
        '-p',
        '8080:80',
        host.image,
        'sh',
        '-c',
        'echo hello-ovsnet > /www/index.html; exec httpd -f -p 80 -h /www',
      );
      let page = '';
      await until('published port answers', async () => {
        page = (await httpGet(outside, 'http://10.99.0.1:8080/index.html')) ?? '';
        return page !== '';
      });
      assert.equal(page.trim(), 'hello-ovsnet', '-p 8080:80 reaches the container from outside');
    }));

  test('a container on a network with an MTU gets that MTU and its MAC, and full-size frames pass', (t) =>
    rig.run(t, async (host) => {
      await host.docker.docker(...ovsnetNetwork('n4', '-o', 'ovsnet.mtu=1400', '--subnet', '10.73.0.0/24'));
      await host.docker.docker('run', '-d', '--name', 'c5', '--net', 'n4', host.image, 'sleep', '600');
      const inside = async (file: string): Promise<string> =>
        (await host.docker.docker('exec', 'c5', 'cat', `/sys/class/net/eth0/${file}`)).trim();
      assert.equal(await inside('mtu'), '1400', 'eth0 has the network MTU');
      const mac = (
        await host.docker.docker('inspect', '-f', '{{.NetworkSettings.Networks.n4.MacAddress}}', 'c5')
      ).trim();
      assert.equal(await inside('address'), mac, 'eth0 has the MAC Docker was given');
      // 1372 bytes of payload + 8 (ICMP) + 20 (IPv4) = 1400: one frame at the MTU, no fragments.
      const big = await host.docker.tryDocker('exec', 'c5', 'ping', '-c', '2', '-W', '2', '-s', '1372', '10.73.0.1');
      assert.equal(big.code, 0, 'a frame of exactly the MTU reaches the gateway');
    }));

  test('removing the containers and networks removes their ports and veths', (t) =>
    rig.run(t, async (host) => {
      await host.docker.docker('rm', '-f', 'c1', 'c2', 'c3', 'c4', 'c5', 'web');
      await host.docker.docker('network', 'rm', 'n1', 'n2', 'n3', 'n4');
      // Gateway ports go with their networks, endpoint ports with their endpoints.
      await until('ports removed', () => onlyPoolPortsLeft(host.ovs, host.daemon));
      // DeleteEndpoint answers first and removes the veth right after.
      await until('no veth left behind', async () => (await endpointVeths(host.ovs, host.daemon)).length === 0);
    }));
});
