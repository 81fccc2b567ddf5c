// `docker run` on an ovsnet network with a real dockerd: the endpoint calls arrive in
// Docker's order and Docker accepts our CreateEndpoint and Join answers (the MAC we chose
// and the gateway end up inside the container). The controller is the recording test
// double, making the real veth pair Join names, since Docker moves it into the container.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedDockerEngine } from '../../harness/docker-host';
import { ovsnetNetwork } from '../../harness/ovsnet-daemon';
import type { RecordedCall } from '../../harness/controller-double';

// One `docker run --rm -p 8080:80` on network n1, run to its end before the tests look.
describe('docker run on an ovsnet network', () => {
  let out = '';
  let calls: RecordedCall[] = [];
  const rig = sharedDockerEngine({
    pluginDouble: true,
    prepare: async ({ docker, controller, image }) => {
      await docker.docker(...ovsnetNetwork('n1', '--subnet', '10.50.0.0/24'));
      const start = controller.calls.length;
      out = await docker.docker(
        'run',
        '--rm',
        '--net',
        'n1',
        '-p',
        '8080:80',
        image,
        'sh',
        '-c',
        'ip addr show eth0; ip route',
      );
      const deadline = Date.now() + 15_000;
      while (!controller.methods().slice(start).includes('releaseAddress') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      calls = controller.calls
        .slice(start)
        .filter((c) => c.method !== 'endpointInfo' && c.method !== 'defaultAddressSpaces');
    },
  });

  test('the container has the MAC CreateEndpoint chose, its address and the gateway Join named', (t) =>
    rig.run(t, () => {
      assert.match(out, /link\/ether 02:00:00:00:00:01/, 'the MAC from CreateEndpoint');
      assert.match(out, /inet 10\.50\.0\.2\/24/);
      assert.match(out, /default via 10\.50\.0\.1 dev eth0/, 'the Gateway from Join');
    }));

  test("the endpoint calls arrive in Docker's order with the sandbox key and the published port", (t) =>
    rig.run(t, () => {
      assert.deepEqual(
        calls.map((c) => c.method),
        [
          'requestAddress',
          'createEndpoint',
          'join',
          'publishPorts',
          'unpublishPorts',
          'leave',
          'deleteEndpoint',
          'releaseAddress',
        ],
      );
      assert.deepEqual(calls[3]?.args.slice(2), [[{ proto: 'tcp', containerPort: 80, hostPort: 8080 }]]);
      assert.match(String(calls[2]?.args[2]), /netns/, 'Join carries the sandbox key');
    }));

  test('when the container goes, its endpoint and veth go, and the network can be removed', (t) =>
    rig.run(t, async ({ host, docker, controller }) => {
      assert.equal(controller.endpoints.size, 0);
      assert.doesNotMatch(await host.ip('link'), /ovs[0-9a-f]{8}/, 'the veth is gone');
      await docker.docker('network', 'rm', 'n1');
    }));
});
