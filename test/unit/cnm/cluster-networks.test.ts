// Networks created once for every host: a CreateNetwork on another host that stands for an
// existing cluster network becomes an alias of it, every call through an alias is served by
// the network itself, and a delete on any host removes the network everywhere or fails
// naming the hosts that still have endpoints in it.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from '../../../controller/cnm/registry';
import { keys } from '../../../controller/cnm/records';
import { NetworkService } from '../../../controller/network-service';
import { createLogger } from '../../../controller/log';
import type { Dataplane } from '../../../controller/dataplane';
import type { HostLinks } from '../../../controller/host/links';
import type { TieredKvStore } from '../../../controller/store/tiered-store';
import type { KvStore } from '../../../controller/store/kv';
import { anotherHost, tieredStores } from '../../harness/tiered-stores';
import { code, net } from './registry-fixture';

/** The switch side does nothing here: these tests are about the desired state. */
const idleDataplane: Dataplane = {
  kick: () => undefined,
  waitEndpointReady: async () => undefined,
  waitPortsRealised: async () => [],
  holdPort: () => () => undefined,
  waitSynced: async () => undefined,
};
const noLinks = { deleteLink: async () => undefined, exists: async () => false } as unknown as HostLinks;

type Host = { registry: Registry; service: NetworkService };

function host(store: TieredKvStore, hostId: string): Host {
  const registry = new Registry(store, { hostId });
  const logger = createLogger({ level: 'silent' });
  return { registry, service: new NetworkService({ registry, links: noLinks, dataplane: idleDataplane, logger }) };
}

function twoHosts(t: TestContext): { h1: Host; h2: Host; cluster: KvStore } {
  const first = tieredStores(t);
  return { h1: host(first.store, 'h1'), h2: host(anotherHost(t, first), 'h2'), cluster: first.clusterFile };
}

test('the same network created on a second host becomes an alias, and that host claims its gateway port', async (t) => {
  const { h1, h2 } = twoHosts(t);
  await h1.service.createNetwork(net('dock1', '10.78.0.0/24', { key: 'shared' }));
  const joined = await h2.service.createNetwork(net('dock2', '10.78.0.0/24', { key: 'shared' }));
  assert.equal(joined.id, 'dock1', 'the answer is the cluster network');
  const alias = await h2.registry.aliases.get('dock2');
  assert.deepEqual({ network: alias?.network, host: alias?.host }, { network: 'dock1', host: 'h2' });
  assert.deepEqual(
    (await h1.registry.networks.list()).map((n) => n.id),
    ['dock1'],
    'one cluster network, no second record',
  );
  assert.ok((await h2.registry.gatewayPorts.numbers()).has('dock1'), 'h2 has a gateway port number of its own');
  // Docker repeating the call, on either host, changes nothing.
  assert.equal((await h2.service.createNetwork(net('dock2', '10.78.0.0/24', { key: 'shared' }))).id, 'dock1');
  assert.equal((await h1.service.createNetwork(net('dock1', '10.78.0.0/24', { key: 'shared' }))).id, 'dock1');
  // Without a key, exactly the same subnets stand for the network too.
  assert.equal((await h2.service.createNetwork(net('dock3', '10.78.0.0/24'))).id, 'dock1');
});

test('a clashing network is refused naming the existing one, and nothing is stored', async (t) => {
  const { h1, h2 } = twoHosts(t);
  await h1.service.createNetwork(net('dock1', '10.78.0.0/24', { key: 'shared' }));
  await assert.rejects(
    h2.service.createNetwork(net('dock2', '10.79.0.0/24', { key: 'shared' })),
    /the name "shared" already belongs to network "shared" \(10\.78\.0\.0\/24, created on host h1\), whose settings differ/,
  );
  await assert.rejects(
    h2.service.createNetwork(net('dock2', '10.78.0.0/25')),
    /overlaps subnet 10\.78\.0\.0\/24 of network "shared" \(10\.78\.0\.0\/24, created on host h1\)/,
  );
  assert.deepEqual(await h2.registry.aliases.list(), []);
  assert.equal((await h2.registry.networks.list()).length, 1);
});

test('every call through an alias is served by the network: endpoints are stored under its id', async (t) => {
  const { h1, h2 } = twoHosts(t);
  await h1.service.createNetwork(net('dock1', '10.78.0.0/24', { key: 'shared' }));
  await h2.service.createNetwork(net('dock2', '10.78.0.0/24', { key: 'shared' }));
  const created = await h2.service.createEndpoint({
    networkId: 'dock2',
    endpointId: 'endpoint2',
    ipv4: '10.78.0.2/24',
  });
  assert.equal(created.networkId, 'dock1');
  assert.ok(await h1.registry.endpoints.get('dock1', 'endpoint2'), 'stored under the cluster network');
  assert.equal(await h1.registry.endpoints.get('dock2', 'endpoint2'), undefined);
  assert.equal((await h2.service.endpointInfo('dock2', 'endpoint2')).ipv4, '10.78.0.2/24');
  await h2.service.leave('dock2', 'endpoint2');
  await h2.service.deleteEndpoint('dock2', 'endpoint2');
  assert.equal(await h1.registry.endpoints.get('dock1', 'endpoint2'), undefined, 'deleted through the alias');
});

test('a delete on any host removes the network everywhere, or fails naming the hosts with endpoints', async (t) => {
  const { h1, h2, cluster } = twoHosts(t);
  await h1.service.createNetwork(net('dock1', '10.78.0.0/24', { key: 'shared' }));
  await h2.service.createNetwork(net('dock2', '10.78.0.0/24', { key: 'shared' }));
  await h1.service.createEndpoint({ networkId: 'dock1', endpointId: 'endpoint1' });
  await assert.rejects(h2.service.deleteNetwork('dock2'), (e: unknown) => {
    assert.ok(code('CONFLICT')(e));
    assert.match((e as Error).message, /network "shared" .* is still in use on host h1 \(1 endpoint\)/);
    return true;
  });
  assert.ok(await h2.registry.networks.get('dock1'), 'the network stays');
  assert.ok(await h2.registry.aliases.get('dock2'), 'and so does the alias');
  await h1.service.deleteEndpoint('dock1', 'endpoint1');
  await h2.service.deleteNetwork('dock2');
  assert.deepEqual(await h1.registry.networks.list(), [], 'gone for every host');
  assert.deepEqual(await h1.registry.aliases.list(), [], 'with its aliases');
  assert.equal(await cluster.get(keys.networkKey('shared')), undefined, 'and its key');
  // The other hosts' Docker then removes its copies: those deletes find nothing and succeed.
  await h1.service.deleteNetwork('dock1');
  await h2.service.deleteNetwork('dock2');
});
