// `docker network create -d ovsnet` and `docker run --net` against a real dockerd, with
// the real ovsnet daemon (as its own process) and a real OVS: containers on OVS ports,
// reaching each other and their gateway, isolated from other networks, and everything
// removed again with the containers and networks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Netns, uniqueIfname, vethPair } from '../../harness/netns';
import { httpGet } from '../../harness/probes';
import { until } from '../../harness/until';
import { withDockerHost } from '../../harness/docker-host';
import { ovsnetNetwork } from '../../harness/ovsnet-daemon';
import { endpointPorts, endpointVeths, onlyPoolPortsLeft } from '../../harness/ovsnet-checks';

test('docker network create -d ovsnet; containers ping each other and the gateway; networks are isolated; cleanup is complete', async (t) => {
  await withDockerHost(t, async ({ ovs, docker, daemon, image }) => {
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
    const c2 = await ip('c2', 'n1');
    const c3 = await ip('c3', 'n2');
    assert.match(c2, /^10\.70\.0\.\d+$/);
    const ping = async (from: string, to: string): Promise<boolean> =>
      (await docker.tryDocker('exec', from, 'ping', '-c', '2', '-W', '2', to)).code === 0;
    assert.equal(await ping('c1', c2), true, 'c1 reaches c2 on n1');
    assert.equal(await ping('c2', '10.70.0.1'), true, 'c2 reaches its gateway');
    assert.equal(await ping('c1', c3), false, 'c1 cannot reach c3 on another network');
    const ports = await endpointPorts(ovs, daemon);
    assert.equal(ports.length, 3, `container ports on OVS: ${ports.join(' ')}`);
    assert.equal(await ping('c1', c2), true, 'still connected');

    // stop/start gives the container a new endpoint; connect/disconnect add and remove one.
    await docker.docker('stop', '-t', '0', 'c1');
    await docker.docker('start', 'c1');
    assert.equal(await ping('c1', c2), true, 'c1 works again after stop/start');
    await docker.docker('network', 'connect', 'n2', 'c1');
    assert.equal(await ping('c1', c3), true, 'after network connect, c1 reaches c3 on n2');
    await docker.docker('network', 'disconnect', 'n2', 'c1');
    assert.equal(await ping('c1', c3), false, 'after network disconnect, c1 no longer reaches c3');
    assert.equal(await ping('c1', c2), true, 'and still reaches c2');
    const after = await endpointPorts(ovs, daemon);
    assert.equal(after.length, 3, `no port leaked by stop/start/connect/disconnect: ${after.join(' ')}`);

    // External connectivity: an "outside" namespace behind the host, reachable only through
    // the host's NAT; a published port; an internal network that cannot get out.
    const outside = await Netns.create('out');
    t.after(() => outside.destroy());
    await vethPair(
      { ns: ovs.netns, name: uniqueIfname('up'), addresses: ['10.99.0.1/24'] },
      { ns: outside, name: 'eth0', addresses: ['10.99.0.2/24'] },
    );
    assert.equal(await ping('c1', '10.99.0.2'), true, 'containers reach the outside through SNAT');
    await docker.docker(...ovsnetNetwork('n3', '--internal', '--subnet', '10.72.0.0/24'));
    await docker.docker('run', '-d', '--name', 'c4', '--net', 'n3', image, 'sleep', '600');
    assert.equal(await ping('c4', '10.99.0.2'), false, 'an internal network cannot get out');
    await docker.docker(
      'run',
      '-d',
      '--name',
      'web',
      '--net',
      'n1',
      '-p',
      '8080:80',
      image,
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

    await docker.docker('rm', '-f', 'c1', 'c2', 'c3', 'c4', 'web');
    await docker.docker('network', 'rm', 'n1', 'n2', 'n3');
    // Gateway ports go with their networks, endpoint ports with their endpoints.
    await until('ports removed', () => onlyPoolPortsLeft(ovs, daemon));
    // DeleteEndpoint answers first and removes the veth right after.
    await until('no veth left behind', async () => (await endpointVeths(ovs, daemon)).length === 0);
  });
});
