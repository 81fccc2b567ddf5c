// Endpoints created without an address get one: never the subnet's network, broadcast,
// gateway or aux addresses, never one another endpoint or ovsnet's IPAM holds, never the
// same one twice even when two hosts allocate from one small subnet at once, and a clear
// EXHAUSTED error once the subnet is full.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from '../../../controller/cnm/registry';
import { keys } from '../../../controller/cnm/records';
import { freeIn } from '../../../controller/cnm/endpoint-addresses';
import { IpamService } from '../../../controller/ipam/service';
import { anotherHost, tieredStores } from '../../harness/tiered-stores';
import { code, net, setup } from './registry-fixture';

test('free addresses skip the network, broadcast, gateway and aux addresses and stay inside --ip-range', () => {
  const subnet = { pool: '10.9.0.0/29', gateway: '10.9.0.1', auxAddresses: { printer: '10.9.0.3' } };
  assert.deepEqual(
    freeIn(subnet, () => false, 10),
    ['10.9.0.2', '10.9.0.4', '10.9.0.5', '10.9.0.6'],
  );
  assert.deepEqual(
    freeIn(subnet, (a) => a === '10.9.0.2', 2),
    ['10.9.0.4', '10.9.0.5'],
  );
  assert.deepEqual(
    freeIn({ ...subnet, ipRange: '10.9.0.4/30' }, () => false, 10),
    ['10.9.0.4', '10.9.0.5', '10.9.0.6'],
  );
  assert.deepEqual(
    freeIn({ pool: 'fd00:9::/126' }, () => false, 10),
    ['fd00:9::1', 'fd00:9::2', 'fd00:9::3'],
  );
});

test('an endpoint without an address gets the lowest free one; a full subnet fails EXHAUSTED', async (t) => {
  const { registry } = setup(t);
  await registry.networks.create(net('n1', '10.9.0.0/29', { key: 'small' }));
  const first = await registry.endpoints.create({ networkId: 'n1', endpointId: 'ep-0001' });
  assert.equal(first.ipv4, '10.9.0.2/29');
  assert.equal(first.mac, '02:4f:0a:09:00:02', 'the MAC follows the address, as for any IPv4 endpoint');
  assert.deepEqual(
    await registry.endpoints.create({ networkId: 'n1', endpointId: 'ep-0001' }),
    first,
    'a repeated request returns the same endpoint',
  );
  for (const id of ['ep-0002', 'ep-0003', 'ep-0004', 'ep-0005'])
    await registry.endpoints.create({ networkId: 'n1', endpointId: id });
  await assert.rejects(registry.endpoints.create({ networkId: 'n1', endpointId: 'ep-0006' }), (e) => {
    assert.ok(code('EXHAUSTED')(e));
    assert.match((e as Error).message, /network "small" has no free address left \(10\.9\.0\.0\/29\)/);
    return true;
  });
  assert.equal(await registry.endpoints.get('n1', 'ep-0006'), undefined, 'nothing of the refused endpoint is stored');
  await registry.endpoints.delete('n1', 'ep-0003');
  const again = await registry.endpoints.create({ networkId: 'n1', endpointId: 'ep-0007' });
  assert.equal(again.ipv4, '10.9.0.4/29', 'a freed address is handed out again');
});

test('an address named in the request is not allocated around: explicit requests keep their meaning', async (t) => {
  const { registry } = setup(t);
  await registry.networks.create(net('n1', '10.9.0.0/29'));
  const explicit = await registry.endpoints.create({ networkId: 'n1', endpointId: 'ep-0001', ipv4: '10.9.0.5' });
  assert.equal(explicit.ipv4, '10.9.0.5/29');
  const picked = await registry.endpoints.create({ networkId: 'n1', endpointId: 'ep-0002' });
  assert.equal(picked.ipv4, '10.9.0.2/29');
  await assert.rejects(
    registry.endpoints.create({ networkId: 'n1', endpointId: 'ep-0003', ipv4: '10.9.0.2' }),
    /already used by endpoint "ep-0002"/,
  );
});

test("in a subnet from ovsnet's IPAM, addresses the IPAM holds are skipped and a pick is reserved there until the endpoint goes", async (t) => {
  const { registry, store } = setup(t);
  const poolId = 'LocalDefault/10.9.0.0/29';
  await registry.networks.create({
    ...net('n1', '10.9.0.0/29'),
    ipv4: [{ pool: '10.9.0.0/29', gateway: '10.9.0.1', poolId }],
  });
  // Docker's RequestAddress handed this one out; its CreateEndpoint has not come yet.
  await store.txn({ puts: [{ key: keys.ipamAddress(poolId, '10.9.0.2'), value: { owner: 'endpoint', at: 0 } }] });
  const endpoint = await registry.endpoints.create({ networkId: 'n1', endpointId: 'ep-0001' });
  assert.equal(endpoint.ipv4, '10.9.0.3/29');
  const reservation = await store.get(keys.ipamAddress(poolId, '10.9.0.3'));
  assert.equal((reservation?.value as { owner: string } | undefined)?.owner, 'ep-0001', 'reserved in the pool');
  await registry.endpoints.delete('n1', 'ep-0001');
  assert.equal(await store.get(keys.ipamAddress(poolId, '10.9.0.3')), undefined, 'its reservation went with it');
  assert.ok(await store.get(keys.ipamAddress(poolId, '10.9.0.2')), "Docker's reservation is not touched");
});

test('two hosts allocating from one /28 at once: 13 distinct addresses, then only EXHAUSTED, nothing half-made', async (t) => {
  const first = tieredStores(t);
  const second = anotherHost(t, first);
  const hosts = [new Registry(first.store, { hostId: 'h1' }), new Registry(second, { hostId: 'h2' })];
  const [h1] = hosts as [Registry, Registry];
  await h1.networks.create(net('n1', '10.9.0.0/28', { key: 'tiny' }));
  const outcomes = await Promise.allSettled(
    Array.from({ length: 24 }, (_, i) =>
      (hosts[i % 2] as Registry).endpoints.create({ networkId: 'n1', endpointId: `ep-${String(i).padStart(4, '0')}` }),
    ),
  );
  const made = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as Error] : []));
  assert.equal(made.length, 13, '16 addresses less network, broadcast and gateway');
  assert.equal(new Set(made.map((e) => e.ipv4)).size, 13, 'no address twice');
  assert.deepEqual(
    refused.map((e) => code('EXHAUSTED')(e) && /no free address left/.test(e.message)),
    Array.from({ length: 11 }, () => true),
  );
  const addressKeys = (await first.clusterFile.list('addr/n1/')).map((e) => e.value as string).sort();
  const endpointIds = (await first.clusterFile.list(keys.endpoints('n1'))).map((e) => e.key.split('/')[2]).sort();
  assert.deepEqual(addressKeys, endpointIds, 'every address key has its endpoint and every endpoint its address');
});

test("picks and Docker's IPAM keep out of each other's way in every pool of the subnet, both ways", async (t) => {
  const { registry, store } = setup(t);
  const ipam = new IpamService(store);
  // The network a CLI made has no pool of its own; dockerds then asked for pools of it.
  await registry.networks.create(net('n1', '10.9.0.0/29'));
  const local = await ipam.requestPool({ addressSpace: 'LocalDefault', pool: '10.9.0.0/29', v6: false });
  const global = await ipam.requestPool({ addressSpace: 'GlobalDefault', pool: '10.9.0.0/29', v6: false });
  assert.equal(
    await ipam.requestAddress({ poolId: local.poolId, kind: 'gateway', address: '10.9.0.1' }),
    '10.9.0.1/29',
  );
  assert.equal(await ipam.requestAddress({ poolId: local.poolId }), '10.9.0.2/29', "Docker's first container");
  const picked = await registry.endpoints.create({ networkId: 'n1', endpointId: 'ep-0001' });
  assert.equal(picked.ipv4, '10.9.0.3/29', 'what any pool of the subnet holds is skipped');
  assert.deepEqual(picked.poolClaims, [
    keys.ipamAddress(global.poolId, '10.9.0.3'),
    keys.ipamAddress(local.poolId, '10.9.0.3'),
  ]);
  await registry.endpoints.create({ networkId: 'n1', endpointId: 'ep-0002', ipv4: '10.9.0.4' });
  assert.equal(
    await ipam.requestAddress({ poolId: local.poolId }),
    '10.9.0.5/29',
    "Docker's IPAM never hands out what an endpoint was given by pick (.3) or by hand (.4)",
  );
});
