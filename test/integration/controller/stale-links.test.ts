// DeleteEndpoint answers before the kernel has deleted the veth; these tests hold ovsnet to
// the promise that the veth still goes: right after the answer, after a crash in between,
// and without hurting an endpoint created again under the same id.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { withControllerHost, type ControllerHost } from './fixture';
import { until } from '../../harness/until';
import { FileKvStore } from '../../../controller/store/file-store';
import { Registry } from '../../../controller/cnm/registry';
import type { EndpointInfo } from '../../../controller/cnm/types';

/** A network "n" on the subnet (x.y.z.0/24) with one endpoint joined at .2. */
async function joinedEndpoint(host: ControllerHost, subnet: string, endpointId: string): Promise<EndpointInfo> {
  await host.network('n', subnet);
  await host.daemon.service.createEndpoint({ networkId: 'n', endpointId, ipv4: subnet.replace(/\.0\/24$/, '.2/24') });
  await host.daemon.service.join('n', endpointId, '/run/netns/none');
  return host.daemon.service.endpointInfo('n', endpointId);
}

test('a deleted endpoint loses its veth and OVS port soon after DeleteEndpoint answers', async (t) => {
  await withControllerHost(t, async (host) => {
    const info = await joinedEndpoint(host, '10.41.0.0/24', 'ep-gone-0001');
    assert.equal(await host.linkExists(info.hostIfname), true);
    await host.daemon.service.deleteEndpoint('n', 'ep-gone-0001');
    await until('veth deleted', async () => !(await host.linkExists(info.hostIfname)), 10_000);
    await until(
      'port removed',
      async () => !(await host.ovs.vsctl('list-ports', 'br-int')).split('\n').includes(info.hostIfname),
      10_000,
    );
    await until(
      'nothing left to remove',
      async () => (await host.daemon.registry.staleLinks.list()).length === 0,
      10_000,
    );
  });
});

test('a veth whose removal a crash interrupted is removed when the daemon starts again', async (t) => {
  await withControllerHost(t, async (host) => {
    const info = await joinedEndpoint(host, '10.42.0.0/24', 'ep-crash-0001');
    await host.daemon.stop();
    // What a crash right after DeleteEndpoint's commit leaves: no endpoint, the veth still there.
    const store = FileKvStore.open(join(host.stateDir, 'store'));
    await new Registry(store).endpoints.delete('n', 'ep-crash-0001');
    await store.close();
    assert.equal(await host.linkExists(info.hostIfname), true);
    await host.startDaemonAgain();
    await until('veth deleted after restart', async () => !(await host.linkExists(info.hostIfname)), 10_000);
    await until(
      'nothing left to remove',
      async () => (await host.daemon.registry.staleLinks.list()).length === 0,
      10_000,
    );
  });
});

test('an endpoint created again under a deleted id keeps its new veth', async (t) => {
  // Without the port pool, the veth's name comes from the endpoint id and is reused.
  await withControllerHost(t, { portPool: 0 }, async (host) => {
    await host.network('n', '10.43.0.0/24');
    for (let round = 0; round < 5; round++) {
      await host.daemon.service.createEndpoint({ networkId: 'n', endpointId: 'ep-again-0001', ipv4: '10.43.0.2/24' });
      await host.daemon.service.join('n', 'ep-again-0001', '/run/netns/none');
      if (round < 4) await host.daemon.service.deleteEndpoint('n', 'ep-again-0001');
    }
    const info = await host.daemon.service.endpointInfo('n', 'ep-again-0001');
    await until('no removal pending', async () => (await host.daemon.registry.staleLinks.list()).length === 0, 10_000);
    assert.equal(await host.linkExists(info.hostIfname), true, 'the veth of the live endpoint is still there');
    await host.daemon.dataplane.waitEndpointReady('n', 'ep-again-0001', 10_000);
  });
});

test('many veths left by deleted endpoints go together at start, and a link already gone is no error', async (t) => {
  await withControllerHost(t, { portPool: 0 }, async (host) => {
    await host.network('n', '10.44.0.0/24');
    const names: string[] = [];
    for (let i = 0; i < 12; i++) {
      const endpointId = `ep-many-${String(i).padStart(4, '0')}`;
      await host.daemon.service.createEndpoint({ networkId: 'n', endpointId, ipv4: `10.44.0.${i + 2}/24` });
      await host.daemon.service.join('n', endpointId, '/run/netns/none');
      names.push((await host.daemon.service.endpointInfo('n', endpointId)).hostIfname);
    }
    await host.daemon.stop();
    const store = FileKvStore.open(join(host.stateDir, 'store'));
    const registry = new Registry(store);
    for (let i = 0; i < 12; i++) await registry.endpoints.delete('n', `ep-many-${String(i).padStart(4, '0')}`);
    assert.equal((await registry.staleLinks.list()).length, 12);
    await store.close();
    await host.ovs.netns.ip('link', 'del', 'dev', names[0] as string); // someone removed one by hand meanwhile
    await host.startDaemonAgain();
    await until(
      'every veth deleted after restart',
      async () => (await Promise.all(names.map((n) => host.linkExists(n)))).every((exists) => !exists),
      10_000,
    );
    await until(
      'nothing left to remove',
      async () => (await host.daemon.registry.staleLinks.list()).length === 0,
      10_000,
    );
  });
});
