import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { FileKvStore } from '../../../controller/store/file-store';
import { Registry } from '../../../controller/cnm/registry';
import type { EndpointRecord } from '../../../controller/cnm/records';
import { code, net, setup } from './registry-fixture';

/** A registry with network n1 (10.1.0.0/24) and endpoint ep1aaaaaaaaaaaa at 10.1.0.2. */
async function withOneEndpoint(t: TestContext): Promise<ReturnType<typeof setup> & { e1: EndpointRecord }> {
  const fixture = setup(t);
  await fixture.registry.networks.create(net('n1', '10.1.0.0/24'));
  const e1 = await fixture.registry.endpoints.create({
    networkId: 'n1',
    endpointId: 'ep1aaaaaaaaaaaa',
    ipv4: '10.1.0.2/24',
  });
  return { ...fixture, e1 };
}

test('an endpoint gets its address with the prefix, a local MAC and a short veth name; the same request returns it again', async (t) => {
  const { registry, e1 } = await withOneEndpoint(t);
  assert.equal(e1.ipv4, '10.1.0.2/24');
  assert.match(e1.mac, /^02(:[0-9a-f]{2}){5}$/);
  assert.equal(e1.hostIfname.length <= 15, true);
  assert.deepEqual(
    await registry.endpoints.create({ networkId: 'n1', endpointId: 'ep1aaaaaaaaaaaa', ipv4: '10.1.0.2' }),
    e1,
    'repeat',
  );
});

test('an address another endpoint holds is refused, naming that endpoint', async (t) => {
  const { registry } = await withOneEndpoint(t);
  await assert.rejects(
    registry.endpoints.create({ networkId: 'n1', endpointId: 'ep2bbbbbbbbbbbb', ipv4: '10.1.0.2' }),
    /10\.1\.0\.2 is already used by endpoint "ep1/,
  );
  assert.equal((await registry.endpoints.list()).length, 1, 'the refusal stored nothing');
});

test('the gateway, an address outside the subnets and the broadcast address are refused', async (t) => {
  const { registry } = await withOneEndpoint(t);
  await assert.rejects(
    registry.endpoints.create({ networkId: 'n1', endpointId: 'ep2bbbbbbbbbbbb', ipv4: '10.1.0.1' }),
    /is the gateway/,
  );
  await assert.rejects(
    registry.endpoints.create({ networkId: 'n1', endpointId: 'ep2bbbbbbbbbbbb', ipv4: '10.9.0.1' }),
    /outside the subnets/,
  );
  await assert.rejects(
    registry.endpoints.create({ networkId: 'n1', endpointId: 'ep2bbbbbbbbbbbb', ipv4: '10.1.0.255' }),
    /broadcast/,
  );
  assert.equal((await registry.endpoints.list()).length, 1, 'refusals stored nothing');
});

test('a MAC another endpoint holds, or a multicast MAC, is refused', async (t) => {
  const { registry, e1 } = await withOneEndpoint(t);
  await assert.rejects(
    registry.endpoints.create({ networkId: 'n1', endpointId: 'ep2bbbbbbbbbbbb', mac: e1.mac }),
    /MAC .* already used/,
  );
  await assert.rejects(
    registry.endpoints.create({ networkId: 'n1', endpointId: 'ep2bbbbbbbbbbbb', mac: '01:00:5e:00:00:01' }),
    /multicast/,
  );
  assert.equal((await registry.endpoints.list()).length, 1, 'refusals stored nothing');
});

test('an endpoint of a network that does not exist is refused with NOT_FOUND', async (t) => {
  const { registry } = await withOneEndpoint(t);
  await assert.rejects(
    registry.endpoints.create({ networkId: 'nope', endpointId: 'ep2bbbbbbbbbbbb' }),
    code('NOT_FOUND'),
  );
  assert.equal((await registry.endpoints.list()).length, 1, 'the refusal stored nothing');
});

test('an update returns and stores the changed endpoint', async (t) => {
  const { registry } = await withOneEndpoint(t);
  const joined = await registry.endpoints.update('n1', 'ep1aaaaaaaaaaaa', (r) => ({
    ...r,
    sandboxKey: '/var/run/docker/netns/x',
  }));
  assert.equal(joined.sandboxKey, '/var/run/docker/netns/x');
  assert.equal((await registry.endpoints.get('n1', 'ep1aaaaaaaaaaaa'))?.sandboxKey, '/var/run/docker/netns/x');
});

test('deleting an endpoint twice succeeds, and its address is free for the next endpoint', async (t) => {
  const { registry } = await withOneEndpoint(t);
  await registry.endpoints.delete('n1', 'ep1aaaaaaaaaaaa');
  await registry.endpoints.delete('n1', 'ep1aaaaaaaaaaaa');
  const again = await registry.endpoints.create({ networkId: 'n1', endpointId: 'ep3cccccccccccc', ipv4: '10.1.0.2' });
  assert.equal(again.ipv4, '10.1.0.2/24', 'a deleted endpoint frees its address');
});

test('deleting an endpoint records its veth for removal from the host', async (t) => {
  const { registry, e1 } = await withOneEndpoint(t);
  await registry.endpoints.delete('n1', 'ep1aaaaaaaaaaaa');
  assert.deepEqual(await registry.staleLinks.list(), [e1.hostIfname]);
});

test('concurrent requests for one address: exactly one wins', async (t) => {
  const { registry } = setup(t);
  await registry.networks.create(net('n1', '10.1.0.0/16'));
  const racers = await Promise.allSettled(
    Array.from({ length: 10 }, (_, i) =>
      registry.endpoints.create({ networkId: 'n1', endpointId: `race${i}xxxxxxxx`, ipv4: '10.1.0.9' }),
    ),
  );
  assert.equal(racers.filter((r) => r.status === 'fulfilled').length, 1);
});

test('concurrent requests for distinct addresses all land, with distinct MACs', async (t) => {
  const { registry } = setup(t);
  await registry.networks.create(net('n1', '10.1.0.0/16'));
  await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      registry.endpoints.create({
        networkId: 'n1',
        endpointId: `many${i}xxxxxxxx`,
        ipv4: `10.1.${1 + (i >> 8)}.${(i % 250) + 2}`,
      }),
    ),
  );
  const all = await registry.endpoints.list('n1');
  assert.equal(all.length, 200);
  assert.equal(new Set(all.map((e) => e.mac)).size, 200, 'MACs are unique');
});

test('endpoints and their reserved addresses survive reopening the store', async (t) => {
  const { registry, dir, store } = setup(t);
  await registry.networks.create(net('n1', '10.1.0.0/24'));
  await registry.endpoints.create({ networkId: 'n1', endpointId: 'ep1aaaaaaaaaaaa', ipv4: '10.1.0.2' });
  await store.close();
  const reopened = FileKvStore.open(dir);
  t.after(() => reopened.close());
  const r2 = new Registry(reopened);
  assert.equal((await r2.endpoints.list('n1'))[0]?.ipv4, '10.1.0.2/24');
  await assert.rejects(
    r2.endpoints.create({ networkId: 'n1', endpointId: 'ep9zzzzzzzzzzzz', ipv4: '10.1.0.2' }),
    /already used/,
  );
});
