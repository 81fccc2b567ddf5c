import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CasCommitter } from '../../../controller/cnm/cas';
import { net, setup } from './registry-fixture';

test('a committed change wakes the listeners; a request that changes nothing wakes none', async (t) => {
  const { registry } = setup(t);
  let wakes = 0;
  registry.onChange(() => wakes++);
  await registry.networks.create(net('n1', '10.1.0.0/24'));
  assert.equal(wakes, 1);
  await registry.networks.create(net('n1', '10.1.0.0/24'));
  await registry.networks.delete('absent');
  assert.equal(wakes, 1, 'repeated and no-op requests wrote nothing');
});

test('an unsubscribed listener is not woken', async (t) => {
  const { registry } = setup(t);
  let wakes = 0;
  const unsubscribe = registry.onChange(() => wakes++);
  unsubscribe();
  await registry.networks.create(net('n1', '10.1.0.0/24'));
  assert.equal(wakes, 0);
});

test('an attempt whose compare fails runs again on the new state', async (t) => {
  const { store } = setup(t);
  const cas = new CasCommitter(store);
  let attempts = 0;
  const result = await cas.commit(async () => {
    attempts++;
    const counter = await store.get('counter');
    // Another writer slips in after the first read: the first transaction must not commit.
    if (attempts === 1) await store.txn({ puts: [{ key: 'counter', value: 10 }] });
    const next = ((counter?.value as number | undefined) ?? 0) + 1;
    return {
      result: next,
      txn: {
        compares: [{ key: 'counter', revision: counter?.revision ?? 0 }],
        puts: [{ key: 'counter', value: next }],
      },
    };
  });
  assert.equal(attempts, 2);
  assert.equal(result, 11);
  assert.equal((await store.get('counter'))?.value, 11);
});
