// Gateway port numbers are per host: the creating host claims its own with the network,
// every other host claims one of its own when it first sees the network, and older records
// that carried the number move it to the host's own key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalClaims } from '../../../controller/cnm/local-claims';
import { Registry } from '../../../controller/cnm/registry';
import { keys, type NetworkRecord } from '../../../controller/cnm/records';
import { anotherHost, tieredStores } from '../../harness/tiered-stores';
import { net, setup } from './registry-fixture';

test("each host has its own gateway number for a network, whatever the creating host's was", async (t) => {
  const first = tieredStores(t);
  const second = anotherHost(t, first);
  const h1 = new Registry(first.store, { hostId: 'h1' });
  const h2 = new Registry(second, { hostId: 'h2' });
  const network = await h1.networks.create(net('n1', '10.1.0.0/24'));
  assert.equal(network.gatewayOfport, undefined, 'the cluster record carries no host-local number');
  const onH1 = (await h1.gatewayPorts.numbers()).get('n1') as number;
  assert.equal((await first.store.get(keys.ofport(onH1)))?.value, 'gateway:n1');
  assert.deepEqual(await h2.gatewayPorts.numbers(), new Map(), 'h2 has not seen it yet');

  // On h2, the number h1 chose is already taken by something of h2's own.
  await second.txn({ puts: [{ key: keys.ofport(onH1), value: 'pool:ovpbusy' }] });
  const onH2 = (await h2.gatewayPorts.ensure(await h2.networks.list())).get('n1') as number;
  assert.notEqual(onH2, onH1);
  assert.equal((await second.get(keys.ofport(onH2)))?.value, 'gateway:n1');
  assert.equal((await second.get(keys.ofport(onH1)))?.value, 'pool:ovpbusy', "h2's own port keeps its number");
  assert.deepEqual(await h2.gatewayPorts.ensure(await h2.networks.list()), new Map([['n1', onH2]]), 'claimed once');
  assert.deepEqual(await h1.gatewayPorts.numbers(), new Map([['n1', onH1]]), "h1's claim is untouched");

  await h1.networks.delete('n1');
  assert.deepEqual(await h1.gatewayPorts.numbers(), new Map(), 'the deleting host frees its claim with the network');
  assert.equal(await first.store.get(keys.ofport(onH1)), undefined);
  await new LocalClaims(second, 'h2').reconcile();
  assert.deepEqual(await h2.gatewayPorts.numbers(), new Map(), 'the other host frees its own once it looks');
  assert.equal(await second.get(keys.ofport(onH2)), undefined);
});

const legacy = (id: string, pool: string, tag: number, gatewayOfport: number): NetworkRecord => ({
  ...net(id, pool),
  key: id,
  tag,
  gatewayOfport,
  gatewayIfname: `ovsgw${tag}`,
});

test('older state with the gateway number in the network record keeps that number, in the host key', async (t) => {
  const { registry, store } = setup(t);
  await store.txn({
    puts: [
      { key: keys.network('old'), value: legacy('old', '10.1.0.0/24', 1, 40123) },
      { key: keys.networkKey('old'), value: 'old' },
      { key: keys.tag(1), value: 'old' },
      { key: keys.ofport(40123), value: 'gateway:old' },
      // A record whose number is no longer held for its gateway gets a new one instead.
      { key: keys.network('odd'), value: legacy('odd', '10.2.0.0/24', 2, 40124) },
      { key: keys.ofport(40124), value: 'pool:ovpother' },
    ],
  });
  assert.deepEqual((await registry.gatewayPorts.migrate()).sort(), ['odd', 'old']);
  assert.deepEqual(await registry.gatewayPorts.numbers(), new Map([['old', 40123]]));
  assert.equal((await registry.networks.get('old'))?.gatewayOfport, undefined, 'the record no longer carries it');
  assert.equal((await registry.networks.get('odd'))?.gatewayOfport, undefined);
  assert.deepEqual(await registry.gatewayPorts.migrate(), [], 'once');
  const numbers = await registry.gatewayPorts.ensure(await registry.networks.list());
  assert.equal(numbers.get('old'), 40123);
  assert.ok(numbers.get('odd') !== undefined && numbers.get('odd') !== 40124);
  await registry.networks.delete('old');
  assert.equal(await store.get(keys.ofport(40123)), undefined, 'deleting the network frees the moved number');
});
