// Docker repeats calls, sends them late, out of order, or for objects already gone
// (cnm.md 1.8, 1.9). The plugin passes each through and answers deletes of missing objects
// with success, refusing only what would lose state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startPluginDouble } from '../../harness/plugin-double';

const NID = 'n0000000000000000000000000000002';
const EID = 'e0000000000000000000000000000002';
const NETWORK = {
  NetworkID: NID,
  Options: null,
  IPv4Data: [{ AddressSpace: 'x', Pool: '10.8.0.0/24', Gateway: '10.8.0.1/24' }],
  IPv6Data: [],
};
const ENDPOINT = {
  NetworkID: NID,
  EndpointID: EID,
  Interface: { Address: '10.8.0.2/24', AddressIPv6: '', MacAddress: '' },
  Options: {},
};

test('CreateNetwork and CreateEndpoint twice both succeed with the same answer', async (t) => {
  const { call, controller } = await startPluginDouble(t);
  assert.deepEqual((await call('NetworkDriver.CreateNetwork', NETWORK)).json, {});
  assert.deepEqual((await call('NetworkDriver.CreateNetwork', NETWORK)).json, {});
  const first = await call('NetworkDriver.CreateEndpoint', ENDPOINT);
  const second = await call('NetworkDriver.CreateEndpoint', ENDPOINT);
  assert.deepEqual(second.json, first.json);
  assert.deepEqual(controller.methods(), ['createNetwork', 'createNetwork', 'createEndpoint', 'createEndpoint']);
  assert.equal(controller.endpoints.size, 1);
});

test('Leave before Join, Join twice, Leave twice', async (t) => {
  const { call, controller } = await startPluginDouble(t);
  await call('NetworkDriver.CreateNetwork', NETWORK);
  await call('NetworkDriver.CreateEndpoint', ENDPOINT);
  assert.deepEqual((await call('NetworkDriver.Leave', { NetworkID: NID, EndpointID: EID })).json, {});
  const join = { NetworkID: NID, EndpointID: EID, SandboxKey: '/var/run/docker/netns/a', Options: {} };
  const first = await call('NetworkDriver.Join', join);
  assert.deepEqual((await call('NetworkDriver.Join', join)).json, first.json);
  assert.deepEqual((await call('NetworkDriver.Leave', { NetworkID: NID, EndpointID: EID })).json, {});
  assert.deepEqual((await call('NetworkDriver.Leave', { NetworkID: NID, EndpointID: EID })).json, {});
  assert.deepEqual(controller.methods().slice(2), ['leave', 'join', 'join', 'leave', 'leave']);
});

test('DeleteEndpoint twice, Leave and Revoke after delete, OperInfo of a gone endpoint: all succeed', async (t) => {
  const { call, controller } = await startPluginDouble(t);
  await call('NetworkDriver.CreateNetwork', NETWORK);
  await call('NetworkDriver.CreateEndpoint', ENDPOINT);
  const ref = { NetworkID: NID, EndpointID: EID };
  assert.deepEqual((await call('NetworkDriver.DeleteEndpoint', ref)).json, {});
  assert.deepEqual((await call('NetworkDriver.DeleteEndpoint', ref)).json, {});
  assert.deepEqual((await call('NetworkDriver.Leave', ref)).json, {});
  assert.deepEqual((await call('NetworkDriver.RevokeExternalConnectivity', ref)).json, {});
  assert.deepEqual((await call('NetworkDriver.EndpointOperInfo', ref)).json, { Value: {} });
  assert.deepEqual(controller.methods().slice(2), [
    'deleteEndpoint',
    'deleteEndpoint',
    'leave',
    'unpublishPorts',
    'endpointInfo',
  ]);
});

test('Join and ProgramExternalConnectivity of an unknown endpoint are refused: they would create nothing', async (t) => {
  const { call } = await startPluginDouble(t);
  await call('NetworkDriver.CreateNetwork', NETWORK);
  const join = await call('NetworkDriver.Join', {
    NetworkID: NID,
    EndpointID: 'nope',
    SandboxKey: '/var/run/docker/netns/a',
  });
  assert.match(String(join.json['Err']), /endpoint nope does not exist/);
  const pec = await call('NetworkDriver.ProgramExternalConnectivity', {
    NetworkID: NID,
    EndpointID: 'nope',
    Options: {},
  });
  assert.match(String(pec.json['Err']), /endpoint nope does not exist/);
  const endpoint = await call('NetworkDriver.CreateEndpoint', { ...ENDPOINT, NetworkID: 'other' });
  assert.match(String(endpoint.json['Err']), /network other does not exist/);
});

test('DeleteNetwork of a network with endpoints is refused and keeps the network', async (t) => {
  const { call, controller } = await startPluginDouble(t);
  await call('NetworkDriver.CreateNetwork', NETWORK);
  await call('NetworkDriver.CreateEndpoint', ENDPOINT);
  assert.match(
    String((await call('NetworkDriver.DeleteNetwork', { NetworkID: NID })).json['Err']),
    /still has 1 endpoint/,
  );
  assert.ok(controller.networks.has(NID));
});

test('DeleteNetwork after its endpoints are gone succeeds, twice', async (t) => {
  const { call, controller } = await startPluginDouble(t);
  await call('NetworkDriver.CreateNetwork', NETWORK);
  await call('NetworkDriver.CreateEndpoint', ENDPOINT);
  await call('NetworkDriver.DeleteEndpoint', { NetworkID: NID, EndpointID: EID });
  assert.deepEqual((await call('NetworkDriver.DeleteNetwork', { NetworkID: NID })).json, {});
  assert.deepEqual((await call('NetworkDriver.DeleteNetwork', { NetworkID: NID })).json, {});
  assert.equal(controller.networks.size, 0);
});

const POOL_REQUEST = { AddressSpace: 'OvsnetLocal', Pool: '10.30.0.0/16', SubPool: '', Options: {}, V6: false };

test('IPAM: a repeated RequestPool for a subnet gets the same answer; dynamic requests get different pools', async (t) => {
  const { call } = await startPluginDouble(t);
  const first = await call('IpamDriver.RequestPool', POOL_REQUEST);
  assert.deepEqual((await call('IpamDriver.RequestPool', POOL_REQUEST)).json, first.json);
  const dynamicA = await call('IpamDriver.RequestPool', {
    AddressSpace: 'OvsnetLocal',
    Pool: '',
    SubPool: '',
    Options: {},
    V6: false,
  });
  const dynamicB = await call('IpamDriver.RequestPool', {
    AddressSpace: 'OvsnetLocal',
    Pool: '',
    SubPool: '',
    Options: {},
    V6: false,
  });
  assert.notEqual(
    dynamicA.json['Pool'],
    dynamicB.json['Pool'],
    "Docker's overlap loop needs a different pool each time",
  );
});

test('IPAM: an address in use is refused; releases of unknown addresses and pools succeed', async (t) => {
  const { call, controller } = await startPluginDouble(t);
  const first = await call('IpamDriver.RequestPool', POOL_REQUEST);
  const taken = await call('IpamDriver.RequestAddress', {
    PoolID: first.json['PoolID'],
    Address: '10.30.0.9',
    Options: {},
  });
  assert.deepEqual(taken.json, { Address: '10.30.0.9/16', Data: {} });
  const again = await call('IpamDriver.RequestAddress', {
    PoolID: first.json['PoolID'],
    Address: '10.30.0.9',
    Options: {},
  });
  assert.match(String(again.json['Error']), /10\.30\.0\.9 is already in use/);
  assert.deepEqual(
    (await call('IpamDriver.ReleaseAddress', { PoolID: first.json['PoolID'], Address: '10.30.0.9' })).json,
    {},
  );
  assert.deepEqual(
    (await call('IpamDriver.ReleaseAddress', { PoolID: first.json['PoolID'], Address: '10.30.0.9' })).json,
    {},
  );
  assert.deepEqual((await call('IpamDriver.ReleasePool', { PoolID: 'never-existed' })).json, {});
  assert.deepEqual(controller.calls.filter((c) => c.method === 'releaseAddress').length, 2);
});

test('concurrent calls are all answered', async (t) => {
  const { call, controller } = await startPluginDouble(t);
  await call('NetworkDriver.CreateNetwork', NETWORK);
  const answers = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      call('NetworkDriver.CreateEndpoint', {
        ...ENDPOINT,
        EndpointID: `ep${i}`,
        Interface: { Address: `10.8.0.${i + 10}/24`, AddressIPv6: '', MacAddress: '' },
      }),
    ),
  );
  assert.ok(answers.every((a) => a.status === 200 && a.json['Err'] === undefined));
  assert.equal(controller.endpoints.size, 40);
  assert.equal(new Set(answers.map((a) => JSON.stringify(a.json))).size, 40, 'each endpoint got its own MAC');
});
