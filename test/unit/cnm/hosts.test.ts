// Two hosts' registries over one cluster store: each endpoint names its host, each host
// plugs only its own, sees the others' as remote endpoints with their hosts' liveness, and
// never frees another host's local claims.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from '../../../controller/cnm/registry';
import { keys, type HostRecord } from '../../../controller/cnm/records';
import { anotherHost, tieredStores } from '../../harness/tiered-stores';
import { net } from './registry-fixture';

function twoHosts(t: Parameters<typeof tieredStores>[0]) {
  const first = tieredStores(t);
  const second = anotherHost(t, first);
  return {
    first,
    second,
    h1: new Registry(first.store, { hostId: 'h1' }),
    h2: new Registry(second, { hostId: 'h2' }),
  };
}

const alive = (id: string, tunnelIp: string): { key: string; value: HostRecord } => ({
  key: keys.host(id),
  value: { id, tunnelIp, since: '2024-01-01T00:00:00.000Z' },
});

test("an endpoint names its host; each host lists only its own as on-host and the others' as remote", async (t) => {
  const { first, h1, h2 } = twoHosts(t);
  await h1.networks.create(net('n1', '10.1.0.0/24'));
  const a = await h1.endpoints.create({ networkId: 'n1', endpointId: 'ep-on-h1', ipv4: '10.1.0.2/24' });
  const b = await h2.endpoints.create({ networkId: 'n1', endpointId: 'ep-on-h2', ipv4: '10.1.0.3/24' });
  assert.equal(a.host, 'h1');
  assert.equal(b.host, 'h2');
  assert.deepEqual(
    (await h1.endpoints.listOnHost()).map((e) => e.endpointId),
    ['ep-on-h1'],
  );
  assert.deepEqual(
    (await h2.endpoints.listOnHost()).map((e) => e.endpointId),
    ['ep-on-h2'],
  );
  assert.equal((await h1.endpoints.list()).length, 2, 'both hosts see every endpoint');

  await first.clusterFile.txn({ puts: [alive('h2', '192.0.2.2')] });
  const remote = await h1.remoteEndpoints();
  assert.deepEqual(
    remote.map((e) => [e.endpointId, e.host, e.alive, e.tunnelIp, e.ipv4, e.mac]),
    [['ep-on-h2', 'h2', true, '192.0.2.2', '10.1.0.3/24', b.mac]],
  );
  await first.clusterFile.txn({ deletes: [keys.host('h2')] }); // its lease expired
  assert.deepEqual(
    (await h1.remoteEndpoints()).map((e) => [e.endpointId, e.alive, e.tunnelIp]),
    [['ep-on-h2', false, undefined]],
  );
  assert.deepEqual(await new Registry(first.store).remoteEndpoints(), [], 'a single host has no remote endpoints');
});

test('an endpoint id another host holds is refused, not handed out as if it were ours', async (t) => {
  const { h1, h2 } = twoHosts(t);
  await h1.networks.create(net('n1', '10.1.0.0/24'));
  await h1.endpoints.create({ networkId: 'n1', endpointId: 'ep-shared', ipv4: '10.1.0.2/24' });
  await assert.rejects(
    h2.endpoints.create({ networkId: 'n1', endpointId: 'ep-shared', ipv4: '10.1.0.2/24' }),
    /already exists on host "h1"/,
  );
});

test("deleting another host's endpoint frees its addresses, never this host's local claims", async (t) => {
  const { first, second, h1, h2 } = twoHosts(t);
  await h1.networks.create(net('n1', '10.1.0.0/24'));
  const theirs = await h2.endpoints.create({ networkId: 'n1', endpointId: 'ep-on-h2', ipv4: '10.1.0.3/24' });
  // This host uses the same port number for something of its own.
  await first.local.txn({ puts: [{ key: keys.ofport(theirs.ofport), value: 'pool:ovpmine' }] });
  await h1.endpoints.delete('n1', 'ep-on-h2');
  assert.equal(await h1.endpoints.get('n1', 'ep-on-h2'), undefined);
  assert.equal(await first.store.get(keys.address('n1', '10.1.0.3')), undefined, 'its address is free');
  assert.equal((await first.local.get(keys.ofport(theirs.ofport)))?.value, 'pool:ovpmine');
  assert.deepEqual(await first.store.list(keys.staleLinks()), [], 'no link of ours is removed for it');
  assert.equal(
    (await second.get(keys.ofport(theirs.ofport)))?.value,
    'endpoint:n1/ep-on-h2',
    'its own host frees its claim when it sees the endpoint gone (local-claims.ts)',
  );
});
