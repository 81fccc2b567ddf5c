import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileKvStore } from '../../../controller/store/file-store';
import { Registry } from '../../../controller/cnm/registry';
import { isControllerError } from '../../../controller/errors';
import type { NetworkSpec } from '../../../controller/cnm/types';

function setup(t: TestContext): { registry: Registry; store: FileKvStore; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ovsnet-reg-'));
  const store = FileKvStore.open(dir);
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { registry: new Registry(store), store, dir };
}

const net = (id: string, pool: string, extra: Partial<NetworkSpec> = {}): NetworkSpec => ({
  id,
  ipv4: [{ pool, gateway: pool.replace(/\.0\/\d+$/, '.1') }],
  ipv6: [],
  icc: true,
  internal: false,
  ...extra,
});

const code = (c: string) => (e: unknown) => isControllerError(e) && e.code === c;

test('networks: created once, repeated identically, refused when different or overlapping', async (t) => {
  const { registry } = setup(t);
  const a = await registry.networks.create(net('n1', '10.1.0.0/24'));
  assert.equal(a.tag, 1);
  assert.equal(a.key, 'n1');
  assert.deepEqual(await registry.networks.create(net('n1', '10.1.0.0/24')), a, 'idempotent');
  await assert.rejects(registry.networks.create(net('n1', '10.1.0.0/24', { icc: false })), code('ALREADY_EXISTS'));
  await assert.rejects(
    registry.networks.create(net('n2', '10.1.0.128/25')),
    /overlaps 10\.1\.0\.0\/24 of network "n1"/,
  );
  const b = await registry.networks.create(net('n2', '10.2.0.0/24', { vni: 5001 }));
  assert.equal(b.tag, 2);
  assert.equal(b.key, 'vni-5001');
  await assert.rejects(registry.networks.create(net('n3', '10.3.0.0/24', { vni: 5001 })), /VNI 5001 is already used/);
  await assert.rejects(registry.networks.create(net('n4', '10.4.0.0/24', { name: 'n1' })), /key "n1" is already used/);
  assert.equal((await registry.networks.list()).length, 2, 'refused requests stored nothing');
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

test('endpoints: lifecycle, idempotency, address and MAC uniqueness, delete twice', async (t) => {
  const { registry } = setup(t);
  await registry.networks.create(net('n1', '10.1.0.0/24'));
  const e1 = await registry.endpoints.create({ networkId: 'n1', endpointId: 'ep1aaaaaaaaaaaa', ipv4: '10.1.0.2/24' });
  assert.equal(e1.ipv4, '10.1.0.2/24');
  assert.match(e1.mac, /^02(:[0-9a-f]{2}){5}$/);
  assert.equal(e1.hostIfname.length <= 15, true);
  assert.deepEqual(
    await registry.endpoints.create({ networkId: 'n1', endpointId: 'ep1aaaaaaaaaaaa', ipv4: '10.1.0.2' }),
    e1,
    'repeat',
  );
  await assert.rejects(
    registry.endpoints.create({ networkId: 'n1', endpointId: 'ep2bbbbbbbbbbbb', ipv4: '10.1.0.2' }),
    /10\.1\.0\.2 is already used by endpoint "ep1/,
  );
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
  await assert.rejects(
    registry.endpoints.create({ networkId: 'n1', endpointId: 'ep2bbbbbbbbbbbb', mac: e1.mac }),
    /MAC .* already used/,
  );
  await assert.rejects(
    registry.endpoints.create({ networkId: 'n1', endpointId: 'ep2bbbbbbbbbbbb', mac: '01:00:5e:00:00:01' }),
    /multicast/,
  );
  await assert.rejects(
    registry.endpoints.create({ networkId: 'nope', endpointId: 'ep2bbbbbbbbbbbb' }),
    code('NOT_FOUND'),
  );
  assert.equal((await registry.endpoints.list()).length, 1, 'refusals stored nothing');

  await assert.rejects(registry.networks.delete('n1'), /still has 1 endpoint/);
  const joined = await registry.endpoints.update('n1', 'ep1aaaaaaaaaaaa', (r) => ({
    ...r,
    sandboxKey: '/var/run/docker/netns/x',
  }));
  assert.equal(joined.sandboxKey, '/var/run/docker/netns/x');
  await registry.endpoints.delete('n1', 'ep1aaaaaaaaaaaa');
  await registry.endpoints.delete('n1', 'ep1aaaaaaaaaaaa');
  const again = await registry.endpoints.create({ networkId: 'n1', endpointId: 'ep3cccccccccccc', ipv4: '10.1.0.2' });
  assert.equal(again.ipv4, '10.1.0.2/24', 'a deleted endpoint frees its address');
  await registry.endpoints.delete('n1', 'ep3cccccccccccc');
  await registry.networks.delete('n1');
  await registry.networks.delete('n1');
  assert.equal((await registry.networks.list()).length, 0);
  const reused = await registry.networks.create(net('n5', '10.1.0.0/24'));
  assert.equal(reused.tag, 1, 'tags are reused after delete');
});

test('concurrent requests for one address: exactly one wins; distinct ones all land', async (t) => {
  const { registry } = setup(t);
  await registry.networks.create(net('n1', '10.1.0.0/16'));
  const racers = await Promise.allSettled(
    Array.from({ length: 10 }, (_, i) =>
      registry.endpoints.create({ networkId: 'n1', endpointId: `race${i}xxxxxxxx`, ipv4: '10.1.0.9' }),
    ),
  );
  assert.equal(racers.filter((r) => r.status === 'fulfilled').length, 1);
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
  assert.equal(all.length, 201);
  assert.equal(new Set(all.map((e) => e.mac)).size, 201, 'MACs are unique');
});

test('state survives reopening the store', async (t) => {
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

test('allow rules: validated, deduplicated by content, removed with their network', async (t) => {
  const { registry } = setup(t);
  await registry.networks.create(net('n1', '10.1.0.0/24', { icc: false }));
  const r1 = await registry.allowRules.add({ networkId: 'n1', from: 'web', to: '10.1.0.5', proto: 'tcp', port: 5432 });
  assert.match(r1.id, /^[0-9a-f]{12}$/);
  assert.deepEqual(
    await registry.allowRules.add({ networkId: 'n1', from: 'web', to: '10.1.0.5', proto: 'tcp', port: 5432 }),
    r1,
  );
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
  await assert.rejects(registry.allowRules.add({ networkId: 'zz', from: 'a', to: 'db' }), code('NOT_FOUND'));
  assert.equal((await registry.allowRules.list('n1')).length, 1);
  await assert.rejects(registry.allowRules.remove('nope'), code('NOT_FOUND'));
  await registry.allowRules.add({ networkId: 'n1', from: 'a', to: 'b' });
  await registry.allowRules.remove(r1.id);
  assert.equal((await registry.allowRules.list()).length, 1);
  await registry.networks.delete('n1');
  assert.equal((await registry.allowRules.list()).length, 0, 'rules go with their network');
});

test('published host ports: chosen once, held by one endpoint, freed by unpublish and by endpoint delete', async (t) => {
  const { registry, store } = setup(t);
  await registry.networks.create(net('n1', '10.1.0.0/24'));
  await registry.endpoints.create({ networkId: 'n1', endpointId: 'ep-aaaa' });
  await registry.endpoints.create({ networkId: 'n1', endpointId: 'ep-bbbb' });
  const any = [{ proto: 'tcp' as const, containerPort: 80, hostPort: 0 }];
  const a = await registry.hostPorts.publish('n1', 'ep-aaaa', any);
  assert.deepEqual(await registry.hostPorts.publish('n1', 'ep-aaaa', any), a, 'a repeated call keeps the port');
  const port = (a[0] as { hostPort: number }).hostPort;
  const b = await registry.hostPorts.publish('n1', 'ep-bbbb', any);
  assert.notEqual((b[0] as { hostPort: number }).hostPort, port, 'another endpoint gets another port');
  const fixed = [{ proto: 'tcp' as const, containerPort: 80, hostPort: port }];
  await assert.rejects(
    registry.hostPorts.publish('n1', 'ep-bbbb', fixed),
    new RegExp(`host port ${port}/tcp is already published by endpoint ep-aaaa`),
  );
  assert.deepEqual((await registry.endpoints.get('n1', 'ep-bbbb'))?.ports, b, 'a refused call changed nothing');
  await registry.endpoints.delete('n1', 'ep-aaaa');
  assert.deepEqual(
    await registry.hostPorts.publish('n1', 'ep-bbbb', fixed),
    fixed,
    'deleting the endpoint freed its port',
  );
  await registry.hostPorts.publish('n1', 'ep-bbbb', []);
  assert.deepEqual(await store.list('hostport/'), [], 'unpublishing frees every port');
});
