// A network's Docker name, learned after its creation, becomes its name and (when its key
// was only derived) its key, with the key index moved in the same transaction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keys } from '../../../controller/cnm/records';
import { code, net, setup } from './registry-fixture';

test('a learned name becomes the key of a network keyed by its id; the index moves with it', async (t) => {
  const { registry, store } = setup(t);
  await registry.networks.create(net('d1', '10.78.0.0/24'));
  assert.equal(await registry.names.learn('d1', 'shared'), 'named');
  const learned = await registry.networks.require('d1');
  assert.equal(learned.name, 'shared');
  assert.equal(learned.key, 'shared');
  assert.equal((await store.get(keys.networkKey('shared')))?.value, 'd1');
  assert.equal(await store.get(keys.networkKey('d1')), undefined, 'the derived key is given up');
  assert.equal(await registry.names.learn('d1', 'other'), 'already-named', 'a name is learned once');
  assert.equal(await registry.names.learn('gone', 'x'), 'gone');
  // The network is deleted with its new key.
  await registry.networks.delete('d1');
  assert.equal(await store.get(keys.networkKey('shared')), undefined);
});

test('a key given with ovsnet.name stays; a name that is another network key is refused', async (t) => {
  const { registry } = setup(t);
  await registry.networks.create(net('d1', '10.78.0.0/24', { key: 'given' }));
  await registry.networks.create(net('d2', '10.79.0.0/24'));
  assert.equal(await registry.names.learn('d1', 'docker-name'), 'named');
  assert.equal((await registry.networks.require('d1')).key, 'given');
  await assert.rejects(registry.names.learn('d2', 'given'), code('CONFLICT'));
  assert.equal((await registry.networks.require('d2')).name, undefined, 'nothing changed');
});
