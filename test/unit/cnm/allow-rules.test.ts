import { test } from 'node:test';
import assert from 'node:assert/strict';
import { code, net, setup } from './registry-fixture';

const dbRule = { networkId: 'n1', from: 'web', to: '10.1.0.5', proto: 'tcp', port: 5432 } as const;

test('the same allow rule added twice is one rule, with an id derived from its content', async (t) => {
  const { registry } = setup(t);
  await registry.networks.create(net('n1', '10.1.0.0/24', { icc: false }));
  const r1 = await registry.allowRules.add(dbRule);
  assert.match(r1.id, /^[0-9a-f]{12}$/);
  assert.deepEqual(await registry.allowRules.add(dbRule), r1);
  assert.equal((await registry.allowRules.list('n1')).length, 1);
});

test('an invalid allow rule is refused, naming what is wrong', async (t) => {
  const { registry } = setup(t);
  await registry.networks.create(net('n1', '10.1.0.0/24', { icc: false }));
  await assert.rejects(
    registry.allowRules.add({ networkId: 'n1', from: 'web', to: 'db', port: 80 }),
    /port needs proto tcp or udp/,
  );
  await assert.rejects(
    registry.allowRules.add({ networkId: 'n1', from: 'web', to: 'db', proto: 'sctp' as 'tcp' }),
    /must be tcp, udp or icmp/,
  );
  await assert.rejects(registry.allowRules.add({ networkId: 'n1', from: '10.1.0.300', to: 'db' }), /not a valid/);
  await assert.rejects(registry.allowRules.add({ networkId: 'n1', from: 'a b', to: 'db' }), /must be an endpoint id/);
  assert.equal((await registry.allowRules.list('n1')).length, 0, 'refusals stored nothing');
});

test('an allow rule for a network that does not exist is refused with NOT_FOUND', async (t) => {
  const { registry } = setup(t);
  await assert.rejects(registry.allowRules.add({ networkId: 'zz', from: 'a', to: 'db' }), code('NOT_FOUND'));
});

test('removing an allow rule by id removes only that rule; an unknown id is NOT_FOUND', async (t) => {
  const { registry } = setup(t);
  await registry.networks.create(net('n1', '10.1.0.0/24', { icc: false }));
  const r1 = await registry.allowRules.add(dbRule);
  await assert.rejects(registry.allowRules.remove('nope'), code('NOT_FOUND'));
  await registry.allowRules.add({ networkId: 'n1', from: 'a', to: 'b' });
  await registry.allowRules.remove(r1.id);
  assert.equal((await registry.allowRules.list()).length, 1);
});

test('allow rules go with their network', async (t) => {
  const { registry } = setup(t);
  await registry.networks.create(net('n1', '10.1.0.0/24', { icc: false }));
  await registry.allowRules.add(dbRule);
  await registry.networks.delete('n1');
  assert.equal((await registry.allowRules.list()).length, 0, 'rules go with their network');
});
