import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gatewayOwner, keys } from '../../../controller/cnm/records';
import { desiredPorts } from '../../../controller/reconcile/desired-ports';
import { code, net, setup } from './registry-fixture';

test('a network gets the lowest free tag and its id as key; the same request again returns it unchanged', async (t) => {
  const { registry } = setup(t);
  const a = await registry.networks.create(net('n1', '10.1.0.0/24'));
  assert.equal(a.tag, 1);
  assert.equal(a.key, 'n1');
  assert.deepEqual(await registry.networks.create(net('n1', '10.1.0.0/24')), a, 'idempotent');
});

test('a network id already used with different settings is refused', async (t) => {
  const { registry } = setup(t);
  const a = await registry.networks.create(net('n1', '10.1.0.0/24'));
  await assert.rejects(registry.networks.create(net('n1', '10.1.0.0/24', { icc: false })), code('ALREADY_EXISTS'));
  assert.deepEqual(await registry.networks.list(), [a], 'the refused request stored nothing');
});

test('a subnet overlapping another network is refused, naming that network', async (t) => {
  const { registry } = setup(t);
  await registry.networks.create(net('n1', '10.1.0.0/24'));
  await assert.rejects(
    registry.networks.create(net('n2', '10.1.0.128/25')),
    /overlaps 10\.1\.0\.0\/24 of network "n1"/,
  );
  assert.equal((await registry.networks.list()).length, 1, 'the refused request stored nothing');
});

test('a network with a VNI and no name is keyed by the VNI; a VNI already used is refused', async (t) => {
  const { registry } = setup(t);
  await registry.networks.create(net('n1', '10.1.0.0/24'));
  const b = await registry.networks.create(net('n2', '10.2.0.0/24', { vni: 5001 }));
  assert.equal(b.tag, 2);
  assert.equal(b.key, 'vni-5001');
  await assert.rejects(registry.networks.create(net('n3', '10.3.0.0/24', { vni: 5001 })), /VNI 5001 is already used/);
  assert.equal((await registry.networks.list()).length, 2, 'the refused request stored nothing');
});

test('a network key already used by another network is refused', async (t) => {
  const { registry } = setup(t);
  await registry.networks.create(net('n1', '10.1.0.0/24'));
  await assert.rejects(registry.networks.create(net('n4', '10.4.0.0/24', { name: 'n1' })), /key "n1" is already used/);
  assert.equal((await registry.networks.list()).length, 1, 'the refused request stored nothing');
});

test('network validation names the bad field', async (t) => {
  const { registry } = setup(t);
  await assert.rejects(registry.networks.create(net('n1', '10.1.0.0')), /needs a prefix length/);
  await assert.rejects(registry.networks.create(net('n1', '10.1.0.300/24')), /not a valid IPv4 or IPv6 address/);
  await assert.rejects(
    registry.networks.create({ ...net('n1', '10.1.0.0/24'), ipv4: [{ pool: '10.1.0.0/24', gateway: '10.9.9.9' }] }),
    /gateway 10\.9\.9\.9 is outside subnet/,
  );
  await assert.rejects(
    registry.networks.create(net('n1', '10.1.0.0/24', { mtu: 20 })),
    /mtu 20 must be an integer from 68 to 65535/,
  );
  await assert.rejects(registry.networks.create(net('bad id!', '10.1.0.0/24')), code('INVALID_ARGUMENT'));
  await assert.rejects(
    registry.networks.create({ ...net('n1', '10.1.0.0/24'), ipv6: [{ pool: '10.5.0.0/24' }] }),
    /not an IPv6 subnet/,
  );
  assert.equal((await registry.networks.list()).length, 0);
});

test('a network that still has endpoints cannot be deleted', async (t) => {
  const { registry } = setup(t);
  await registry.networks.create(net('n1', '10.1.0.0/24'));
  await registry.endpoints.create({ networkId: 'n1', endpointId: 'ep1aaaaaaaaaaaa', ipv4: '10.1.0.2/24' });
  await assert.rejects(registry.networks.delete('n1'), /still has 1 endpoint/);
  assert.equal((await registry.networks.list()).length, 1);
});

test('deleting a network twice succeeds, and its tag is given to the next network', async (t) => {
  const { registry } = setup(t);
  await registry.networks.create(net('n1', '10.1.0.0/24'));
  await registry.networks.delete('n1');
  await registry.networks.delete('n1');
  assert.equal((await registry.networks.list()).length, 0);
  const reused = await registry.networks.create(net('n5', '10.1.0.0/24'));
  assert.equal(reused.tag, 1, 'tags are reused after delete');
});

test("the gateway's OpenFlow port number is held by the owner its OVS port carries", async (t) => {
  const { registry, store } = setup(t);
  const network = await registry.networks.create(net('n1', '10.1.0.0/24'));
  const numbers = await registry.gatewayPorts.numbers();
  const gateway = desiredPorts([network], [], [], numbers).find((p) => p.name === network.gatewayIfname);
  assert.equal(gateway?.owner, gatewayOwner('n1'));
  assert.equal((await store.get(keys.ofport(numbers.get('n1') as number)))?.value, gateway?.owner);
});
