// `docker run` on an ovsnet network with a real dockerd: the endpoint calls arrive in
// Docker's order and Docker accepts our CreateEndpoint and Join answers (the MAC we chose
// and the gateway end up inside the container). The controller is the recording test
// double, extended here to make the real veth pair Join names, since Docker moves it into
// the container.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointInfo, EndpointSpec } from '../../../controller/api';
import { DockerEngine } from '../../harness/docker';
import { Netns } from '../../harness/netns';
import { DOCKER_BINARIES, requireBinaries } from '../../harness/require';
import { withLogs } from '../../harness/failure-logs';
import { startDockerPlugin } from '../../../drivers/docker/plugin';
import { ControllerDouble } from '../../integration/docker/controller-double';
import { capturingLogger } from '../../integration/docker/plugin-client';

class VethControllerDouble extends ControllerDouble {
  constructor(private readonly host: Netns) {
    super();
  }
  override async createEndpoint(spec: EndpointSpec): Promise<EndpointInfo> {
    const info = await super.createEndpoint(spec);
    await this.host.ip('link', 'add', info.hostIfname, 'type', 'veth', 'peer', 'name', info.containerIfname);
    return info;
  }
  override async deleteEndpoint(networkId: string, endpointId: string): Promise<void> {
    const hostIfname = this.endpoints.get(endpointId)?.hostIfname;
    await super.deleteEndpoint(networkId, endpointId);
    if (hostIfname) await this.host.ip('link', 'del', hostIfname);
  }
}

test('docker run on an ovsnet network: endpoint calls in order, our MAC and gateway inside the container', async (t) => {
  if (!requireBinaries(t, DOCKER_BINARIES)) return;
  const host = await Netns.create('h');
  t.after(() => host.destroy());
  const docker = await DockerEngine.start({ netns: host });
  t.after(() => docker.stop());
  const controller = new VethControllerDouble(host);
  const plugin = await startDockerPlugin({
    pluginDir: docker.pluginDir,
    network: controller,
    ipam: controller,
    logger: capturingLogger().logger,
  });
  t.after(() => plugin.close());

  await withLogs([docker], async () => {
    const image = await docker.importBusybox();
    await docker.docker(
      'network',
      'create',
      '-d',
      'ovsnet',
      '--ipam-driver',
      'ovsnet',
      '--subnet',
      '10.50.0.0/24',
      'n1',
    );
    const start = controller.calls.length;
    const out = await docker.docker(
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
    assert.match(out, /link\/ether 02:00:00:00:00:01/, 'the MAC from CreateEndpoint');
    assert.match(out, /inet 10\.50\.0\.2\/24/);
    assert.match(out, /default via 10\.50\.0\.1 dev eth0/, 'the Gateway from Join');

    const deadline = Date.now() + 15_000;
    while (!controller.methods().slice(start).includes('releaseAddress') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const calls = controller.calls
      .slice(start)
      .filter((c) => c.method !== 'endpointInfo' && c.method !== 'defaultAddressSpaces');
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
    assert.equal(controller.endpoints.size, 0);
    assert.doesNotMatch(await host.ip('link'), /ovs[0-9a-f]{8}/, 'the veth is gone');
    await docker.docker('network', 'rm', 'n1');
  });
});
