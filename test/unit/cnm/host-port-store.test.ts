import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { PortBinding } from '../../../controller/cnm/types';
import { net, setup } from './registry-fixture';

const any: PortBinding[] = [{ proto: 'tcp', containerPort: 80, hostPort: 0 }];
const fixed = (hostPort: number): PortBinding[] => [{ proto: 'tcp', containerPort: 80, hostPort }];
const hostPortOf = (bindings: PortBinding[]): number => (bindings[0] as PortBinding).hostPort;

/** A registry with network n1 and endpoints ep-aaaa and ep-bbbb, ep-aaaa publishing "any" port 80. */
async function withPublished(t: TestContext): Promise<ReturnType<typeof setup> & { a: PortBinding[] }> {
  const fixture = setup(t);
  const { registry } = fixture;
  await registry.networks.create(net('n1', '10.1.0.0/24'));
  await registry.endpoints.create({ networkId: 'n1', endpointId: 'ep-aaaa' });
  await registry.endpoints.create({ networkId: 'n1', endpointId: 'ep-bbbb' });
  return { ...fixture, a: await registry.hostPorts.publish('n1', 'ep-aaaa', any) };
}

test('publishing the same ports again keeps the host port chosen the first time', async (t) => {
  const { registry, a } = await withPublished(t);
  assert.deepEqual(await registry.hostPorts.publish('n1', 'ep-aaaa', any), a, 'a repeated call keeps the port');
});

test('another endpoint asking for "any" port gets another host port', async (t) => {
  const { registry, a } = await withPublished(t);
  const b = await registry.hostPorts.publish('n1', 'ep-bbbb', any);
  assert.notEqual(hostPortOf(b), hostPortOf(a), 'another endpoint gets another port');
});

test('a host port another endpoint holds is refused, naming it, and the refusal changes nothing', async (t) => {
  const { registry, a } = await withPublished(t);
  const b = await registry.hostPorts.publish('n1', 'ep-bbbb', any);
  await assert.rejects(
    registry.hostPorts.publish('n1', 'ep-bbbb', fixed(hostPortOf(a))),
    new RegExp(`host port ${hostPortOf(a)}/tcp is already published by endpoint ep-aaaa`),
  );
  assert.deepEqual((await registry.endpoints.get('n1', 'ep-bbbb'))?.ports, b, 'a refused call changed nothing');
});

test('deleting an endpoint frees its host ports for another endpoint', async (t) => {
  const { registry, a } = await withPublished(t);
  await registry.endpoints.delete('n1', 'ep-aaaa');
  assert.deepEqual(
    await registry.hostPorts.publish('n1', 'ep-bbbb', fixed(hostPortOf(a))),
    fixed(hostPortOf(a)),
    'deleting the endpoint freed its port',
  );
});

test('publishing nothing frees every host port the endpoint held', async (t) => {
  const { registry, store } = await withPublished(t);
  await registry.hostPorts.publish('n1', 'ep-aaaa', []);
  assert.deepEqual(await store.list('hostport/'), [], 'unpublishing frees every port');
  assert.equal((await registry.endpoints.get('n1', 'ep-aaaa'))?.ports, undefined);
});
