// `ovsnet host ls|rm` over two hosts' registries sharing one cluster store: a dead host
// that still owns endpoints is listed as not alive; removing a live host is refused;
// removing a dead one takes its endpoints with their address, MAC and IPAM claims, and
// leaves the other hosts' endpoints and every host-local key alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from '../../../controller/cnm/registry';
import { keys, type HostRecord } from '../../../controller/cnm/records';
import { hostListing } from '../../../controller/cnm/host-listing';
import { claimHostNumber } from '../../../controller/cluster/host-number';
import { anotherHost, tieredStores } from '../../harness/tiered-stores';
import { code, net } from './registry-fixture';

const record = (id: string, tunnelIp: string): HostRecord => ({ id, tunnelIp, since: '2026-12-01T00:00:00.000Z' });

async function cluster(t: Parameters<typeof tieredStores>[0]) {
  const first = tieredStores(t);
  const second = anotherHost(t, first);
  const h1 = new Registry(first.store, { hostId: 'h1' });
  const h2 = new Registry(second, { hostId: 'h2' });
  const alive = async (...ids: string[]) => {
    await first.clusterFile.txn({ deletes: ['h1', 'h2'].map((id) => keys.host(id)) });
    await first.clusterFile.txn({
      puts: ids.map((id) => ({ key: keys.host(id), value: record(id, `192.0.2.${id.slice(1)}`) })),
    });
  };
  await alive('h1', 'h2');
  return { first, second, h1, h2, alive };
}

test('host ls: live hosts with their tunnel address, dead hosts that still own endpoints, endpoint counts', () => {
  const endpoint = (host: string) => ({
    host,
    networkId: 'n',
    endpointId: 'e',
    mac: 'm',
    hostIfname: 'a',
    containerIfname: 'b',
    ofport: 1,
  });
  assert.deepEqual(
    hostListing(
      [record('h2', '192.0.2.2'), record('h1', '192.0.2.1')],
      [endpoint('h1'), endpoint('h3'), endpoint('h3')],
    ),
    [
      { id: 'h1', tunnelIp: '192.0.2.1', alive: true, since: '2026-12-01T00:00:00.000Z', endpoints: 1 },
      { id: 'h2', tunnelIp: '192.0.2.2', alive: true, since: '2026-12-01T00:00:00.000Z', endpoints: 0 },
      { id: 'h3', alive: false, endpoints: 2 },
    ],
  );
  assert.deepEqual(hostListing([], [{ ...endpoint('x'), host: undefined }]), [], 'a single host lists none');
});

test("a live host cannot be removed, nor this daemon's own, nor one nobody knows", async (t) => {
  const { h1, h2 } = await cluster(t);
  await h1.networks.create(net('n1', '10.3.0.0/24'));
  await h2.endpoints.create({ networkId: 'n1', endpointId: 'ep-on-h2', ipv4: '10.3.0.2' });
  await assert.rejects(
    h1.hostRemoval.remove('h2'),
    (e: Error) =>
      code('CONFLICT')(e) && /host "h2" is alive \(its lease is current\): stop its ovsnet daemon/.test(e.message),
  );
  await assert.rejects(h1.hostRemoval.remove('h1'), /this daemon's own host/);
  await assert.rejects(h1.hostRemoval.remove('h9'), (e) => code('NOT_FOUND')(e));
  assert.equal((await h1.endpoints.list()).length, 1, 'nothing was removed');
});

test("a dead host's endpoints go with their addresses, MACs and IPAM reservations; nothing else is touched", async (t) => {
  const { first, second, h1, h2, alive } = await cluster(t);
  const poolId = 'LocalDefault/10.3.0.0/24';
  await h1.networks.create({
    ...net('n1', '10.3.0.0/24'),
    ipv4: [{ pool: '10.3.0.0/24', gateway: '10.3.0.1', poolId }],
  });
  await h1.networks.create(net('n2', '10.4.0.0/24'));
  // As Docker does it: RequestAddress reserves in the pool, CreateEndpoint names the address.
  await first.clusterFile.txn({
    puts: [{ key: keys.ipamAddress(poolId, '10.3.0.9'), value: { owner: 'endpoint', at: 0 } }],
  });
  const docker = await h2.endpoints.create({ networkId: 'n1', endpointId: 'ep-docker', ipv4: '10.3.0.9/24' });
  const picked = await h2.endpoints.create({ networkId: 'n1', endpointId: 'ep-picked' });
  await h2.endpoints.create({ networkId: 'n2', endpointId: 'ep-other-net', ipv4: '10.4.0.5' });
  const mine = await h1.endpoints.create({ networkId: 'n1', endpointId: 'ep-on-h1' });
  assert.deepEqual(picked.poolClaims, [keys.ipamAddress(poolId, '10.3.0.2')]);
  assert.deepEqual(
    hostListing(await h1.hosts.list(), await h1.endpoints.list()).map((h) => [h.id, h.alive, h.endpoints]),
    [
      ['h1', true, 1],
      ['h2', true, 3],
    ],
  );
  await alive('h1'); // h2's lease expired
  assert.deepEqual(
    hostListing(await h1.hosts.list(), await h1.endpoints.list()).map((h) => [h.id, h.alive, h.endpoints]),
    [
      ['h1', true, 1],
      ['h2', false, 3],
    ],
  );
  const before = await second.get(keys.ofport(docker.ofport));
  const h2Number = await claimHostNumber(first.clusterFile, 'h2');
  const h1Number = await claimHostNumber(first.clusterFile, 'h1');
  const { removed } = await h1.hostRemoval.remove('h2');
  assert.deepEqual(removed.sort(), ['ep-docker', 'ep-other-net', 'ep-picked']);
  assert.deepEqual(
    (await h1.endpoints.list()).map((e) => e.endpointId),
    ['ep-on-h1'],
  );
  const left = (prefix: string) => first.clusterFile.list(prefix).then((es) => es.map((e) => e.key));
  assert.deepEqual(await left('addr/'), [keys.address('n1', mine.ipv4?.split('/')[0] as string)]);
  assert.deepEqual(await left('mac/'), [keys.mac('n1', mine.mac)]);
  assert.deepEqual(await left('ipam/addr/'), mine.poolClaims, "only the live host's reservation is left");
  assert.deepEqual(
    await second.get(keys.ofport(docker.ofport)),
    before,
    "h2's own store is h2's to repair when it returns",
  );
  assert.deepEqual(
    hostListing(await h1.hosts.list(), await h1.endpoints.list()).map((h) => h.id),
    ['h1'],
  );
  assert.deepEqual(await left('hostid/'), [keys.hostNumberOf('h1')], "h2's number is given back");
  assert.deepEqual(await left('hostnum/'), [keys.hostNumber(h1Number)]);
  assert.notEqual(h1Number, h2Number);
});

test('a host that comes back while it is being removed keeps what it has not lost yet', async (t) => {
  const { first, h1, h2, alive } = await cluster(t);
  await h1.networks.create(net('n1', '10.3.0.0/24'));
  await h2.endpoints.create({ networkId: 'n1', endpointId: 'ep-one', ipv4: '10.3.0.2' });
  await h2.endpoints.create({ networkId: 'n1', endpointId: 'ep-two', ipv4: '10.3.0.3' });
  await alive('h1');
  // h2's daemon renews its lease just as the removal of its first endpoint commits.
  const txn = first.store.txn.bind(first.store);
  let committed = 0;
  first.store.txn = async (request) => {
    const result = await txn(request);
    if (result.succeeded && ++committed === 1) await alive('h1', 'h2');
    return result;
  };
  await assert.rejects(h1.hostRemoval.remove('h2'), (e) => code('CONFLICT')(e));
  assert.equal((await h1.endpoints.list()).length, 1, 'one endpoint went whole, the other stayed whole');
  const [kept] = await h1.endpoints.list();
  assert.ok(await first.clusterFile.get(keys.address('n1', kept?.ipv4?.split('/')[0] as string)));
  assert.ok(await first.clusterFile.get(keys.mac('n1', kept?.mac as string)));
});
