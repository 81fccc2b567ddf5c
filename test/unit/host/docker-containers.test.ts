// The Docker container learner against a real registry (file store) and a scripted engine
// listing: it fills in the container behind a joined endpoint, never from inside the call
// that joined it, retries while Docker does not list the endpoint yet or does not answer,
// and leaves ports attached by hand alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, net } from '../cnm/registry-fixture';
import { DockerContainers } from '../../../controller/host/docker-containers';
import type { ListedContainer } from '../../../controller/host/docker-api';
import type { Registry } from '../../../controller/cnm/registry';
import { systemClock } from '../../../controller/clock';
import { silentLogger } from '../../../controller/log';
import { until } from '../../harness/until';
import { FakeClock } from '../../harness/fake-clock';

async function joined(registry: Registry, endpointId: string, extra: { attached?: boolean } = {}): Promise<void> {
  await registry.endpoints.create({
    networkId: 'n1',
    endpointId,
    ...(extra.attached ? { attachment: { containerId: 'by-hand', containerIface: 'eth1' } } : {}),
  });
  await registry.endpoints.update('n1', endpointId, (r) => ({
    ...r,
    plugged: true,
    sandboxKey: `/run/netns/${endpointId}`,
  }));
}

const web: ListedContainer = { id: 'c0ffee'.repeat(10) + 'abcd', name: 'web', labels: { app: 'web' }, endpointIds: [] };

test('a joined endpoint gets its container (id, name, labels) once Docker lists it, after the join returned', async (t) => {
  const { registry } = setup(t);
  await registry.networks.create(net('n1', '10.1.0.0/24', { icc: false }));
  let calls = 0;
  let listed = false;
  const learner = new DockerContainers({
    registry,
    clock: systemClock,
    logger: silentLogger,
    list: async () => {
      calls++;
      return listed ? [{ ...web, endpointIds: ['ep-web-0001'] }] : [];
    },
  });
  learner.start();
  t.after(() => learner.stop());
  await joined(registry, 'ep-web-0001');
  assert.equal(calls, 0, 'nothing asked Docker inside the call that joined');
  await until('a first listing', () => calls > 0, 5000, 10);
  listed = true; // Docker lists the endpoint only once the container started
  await until(
    'the container learnt',
    async () => (await registry.endpoints.get('n1', 'ep-web-0001'))?.container !== undefined,
    5000,
  );
  const record = await registry.endpoints.require('n1', 'ep-web-0001');
  assert.deepEqual(record.container, { id: web.id, name: 'web', labels: { app: 'web' } });
  const settledCalls = calls;
  await new Promise((r) => setTimeout(r, 600));
  assert.ok(calls <= settledCalls + 1, 'nothing left to learn: Docker is left alone');
});

test('an engine that does not answer is retried; ports attached by hand are never looked up', async (t) => {
  const { registry } = setup(t);
  await registry.networks.create(net('n1', '10.1.0.0/24', { icc: false }));
  let failures = 2;
  const asked: number[] = [];
  const learner = new DockerContainers({
    registry,
    clock: systemClock,
    logger: silentLogger,
    list: async () => {
      asked.push(Date.now());
      if (failures-- > 0) throw new Error('connect ENOENT /var/run/docker.sock');
      return [{ ...web, endpointIds: ['ep-web-0002', 'ep-hand-0001'] }];
    },
  });
  await joined(registry, 'ep-hand-0001', { attached: true });
  learner.start();
  t.after(() => learner.stop());
  await joined(registry, 'ep-web-0002');
  await until(
    'the container learnt',
    async () => (await registry.endpoints.get('n1', 'ep-web-0002'))?.container !== undefined,
    5000,
  );
  assert.ok(asked.length >= 3, 'asked again after each failure');
  assert.equal((await registry.endpoints.require('n1', 'ep-hand-0001')).container, undefined, 'attached by hand');
});

test('a renamed container is learnt again when told so (its rename event), and only its record changes', async (t) => {
  const { registry } = setup(t);
  await registry.networks.create(net('n1', '10.1.0.0/24', { icc: false }));
  const db: ListedContainer = { id: 'd8'.repeat(32), name: 'db', labels: {}, endpointIds: ['ep-db-0001'] };
  let listing = [{ ...web, endpointIds: ['ep-web-0003'] }, db];
  let calls = 0;
  const learner = new DockerContainers({
    registry,
    clock: systemClock,
    logger: silentLogger,
    list: async () => {
      calls++;
      return listing;
    },
  });
  learner.start();
  t.after(() => learner.stop());
  await joined(registry, 'ep-web-0003');
  await joined(registry, 'ep-db-0001');
  const nameOf = async (endpointId: string): Promise<string | undefined> =>
    (await registry.endpoints.get('n1', endpointId))?.container?.name;
  await until(
    'both learnt',
    async () => (await nameOf('ep-web-0003')) === 'web' && (await nameOf('ep-db-0001')) === 'db',
    5000,
  );
  listing = [{ ...web, name: 'frontend', endpointIds: ['ep-web-0003'] }, db];
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(await nameOf('ep-web-0003'), 'web', 'without a rename event nothing asks Docker again');
  const before = calls;
  learner.relearn(web.id);
  await until('the new name learnt', async () => (await nameOf('ep-web-0003')) === 'frontend', 5000);
  assert.equal(await nameOf('ep-db-0001'), 'db');
  assert.ok(calls - before <= 2, 'one listing for the rename');
  listing = [
    { ...web, name: 'frontend', endpointIds: ['ep-web-0003'] },
    { ...db, name: 'store' },
  ];
  learner.relearn(undefined); // the event stream came back: renames may have been missed
  await until('a missed rename learnt', async () => (await nameOf('ep-db-0001')) === 'store', 5000);
});

test('a rename told during a scan is learnt at once, not after the backoff for an endpoint Docker does not list', async (t) => {
  const { registry } = setup(t);
  await registry.networks.create(net('n1', '10.1.0.0/24', { icc: false }));
  const clock = new FakeClock();
  let listing: ListedContainer[] = [{ ...web, endpointIds: ['ep-web-0004'] }];
  let gate: Promise<void> | undefined;
  const learner = new DockerContainers({
    registry,
    clock,
    logger: silentLogger,
    list: async () => {
      const snapshot = listing;
      await gate;
      return snapshot;
    },
  });
  const settle = async (): Promise<void> => {
    await new Promise((r) => setImmediate(r));
    await learner.settled();
  };
  learner.start();
  t.after(() => learner.stop());
  await joined(registry, 'ep-web-0004');
  // Joined, never listed (a container Docker has not started yet): each scan misses it and
  // the learner backs off, to its longest wait after a few seconds.
  await joined(registry, 'ep-ghost-0001');
  await clock.advanceAsync(15_000, settle);
  const nameOf = async (): Promise<string | undefined> =>
    (await registry.endpoints.get('n1', 'ep-web-0004'))?.container?.name;
  assert.equal(await nameOf(), 'web');

  // The next backoff scan is listing when the rename event comes.
  let release = (): void => undefined;
  gate = new Promise((resolve) => (release = resolve));
  await clock.advanceAsync(5_000, async () => new Promise((r) => setImmediate(r)));
  listing = [{ ...web, name: 'frontend', endpointIds: ['ep-web-0004'] }];
  learner.relearn(web.id);
  gate = undefined;
  release();
  await settle();
  assert.equal(await nameOf(), 'web', 'the scan in flight listed before the rename');
  await clock.advanceAsync(200, settle);
  assert.equal(await nameOf(), 'frontend', 'learnt by the scan right after, not one backoff later');
});
