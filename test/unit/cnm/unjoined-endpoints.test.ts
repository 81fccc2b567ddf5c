import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileKvStore } from '../../../controller/store/file-store';
import { Registry } from '../../../controller/cnm/registry';
import { UnjoinedEndpoints } from '../../../controller/cnm/unjoined-endpoints';
import { EndpointActivity } from '../../../controller/endpoint-activity';
import type { EndpointRecord } from '../../../controller/cnm/records';
import { FakeClock } from '../../harness/fake-clock';

test('endpoints left unjoined past the grace are deleted; joined, left and young ones stay', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ovsnet-unjoined-'));
  const store = FileKvStore.open(dir);
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const registry = new Registry(store);
  const clock = new FakeClock();
  const activity = new EndpointActivity();
  /** Runs just before each deletion the sweep attempts: a Join landing in between. */
  let beforeDelete = async (_endpointId: string): Promise<void> => {};
  const sweeper = new UnjoinedEndpoints(
    registry,
    async (n, e, onlyIf: (r: EndpointRecord) => boolean) => {
      await beforeDelete(e);
      return (await registry.endpoints.delete(n, e, onlyIf)) !== undefined;
    },
    clock,
    activity,
  );
  await registry.networks.create({
    id: 'n1',
    ipv4: [{ pool: '10.1.0.0/24', gateway: '10.1.0.1' }],
    ipv6: [],
    icc: true,
    internal: false,
  });
  const create = (id: string, ip: string): Promise<unknown> =>
    registry.endpoints.create({ networkId: 'n1', endpointId: id, ipv4: `${ip}/24` });
  await create('orphan', '10.1.0.2');
  await create('joined', '10.1.0.3');
  await registry.endpoints.update('n1', 'joined', (r) => ({ ...r, plugged: true, sandboxKey: '/run/docker/netns/x' }));
  await create('left', '10.1.0.4');
  await registry.endpoints.update('n1', 'left', (r) => ({ ...r, plugged: true }));
  await create('late', '10.1.0.5');
  await create('retried', '10.1.0.6');
  await create('racing', '10.1.0.7');

  assert.deepEqual(await sweeper.sweep(60_000), [], 'first sighting starts the clock');
  clock.advance(30_000);
  await registry.endpoints.update('n1', 'late', (r) => ({ ...r, plugged: true, sandboxKey: '/run/docker/netns/y' }));
  assert.deepEqual(await sweeper.sweep(60_000), []);
  // Docker's CreateEndpoint retried across an ovsnet restart: it is still working on it.
  activity.touch('n1', 'retried', clock.now());
  clock.advance(30_000);
  // Docker's Join lands after the sweep listed the endpoint as unjoined, before its deletion.
  beforeDelete = async (id) => {
    if (id === 'racing')
      await registry.endpoints.update('n1', id, (r) => ({ ...r, plugged: true, sandboxKey: '/run/docker/netns/z' }));
  };
  assert.deepEqual(await sweeper.sweep(60_000), ['n1/orphan'], 'only the endpoint never joined');
  assert.deepEqual(
    (await registry.endpoints.list()).map((e) => e.endpointId).sort(),
    ['joined', 'late', 'left', 'racing', 'retried'],
    'joined ones, one joined while the sweep ran, and one Docker called about lately stay',
  );
  clock.advance(30_000);
  assert.deepEqual(await sweeper.sweep(60_000), ['n1/retried'], 'a grace after Docker’s last call, it goes too');
  await create('reuse', '10.1.0.2');
  assert.equal((await registry.endpoints.get('n1', 'reuse'))?.ipv4, '10.1.0.2/24', 'its address is free again');
});
