import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ForgottenByDocker } from '../../../controller/docker-forgotten';
import { IpamService } from '../../../controller/ipam/service';
import { networkIdForName } from '../../../controller/cnm/named-networks';
import { createLogger } from '../../../controller/log';
import type { ContainerFacts } from '../../../controller/cnm/records';
import { EndpointActivity } from '../../../controller/endpoint-activity';
import { FakeClock } from '../../harness/fake-clock';
import { net, setup } from './registry-fixture';

const DOCKER_NET = 'd'.repeat(64);
const CLI_NET = networkIdForName('by-hand');
const FACTS: ContainerFacts = { id: 'c'.repeat(64), name: 'web', labels: {} };

test("what Docker dropped while ovsnet was away goes after the grace; what was never Docker's stays", async (t) => {
  const { registry, store } = setup(t);
  const clock = new FakeClock();
  const ipam = new IpamService(store, clock);
  const listed = { endpoints: new Set<string>(['running']), networks: new Set<string>(), answers: true };
  const activity = new EndpointActivity();
  /** Runs after each listing of Docker's endpoints: a container finishing its start then. */
  let afterListing = (): void => {};
  const forgotten = new ForgottenByDocker({
    registry,
    ipam,
    docker: {
      endpointIds: async () => {
        if (!listed.answers) throw new Error('Docker is not answering');
        const now = new Set(listed.endpoints);
        afterListing();
        return now;
      },
      networkIds: async () => listed.networks,
    },
    deleteEndpoint: async (n, e, onlyIf) => (await registry.endpoints.delete(n, e, onlyIf)) !== undefined,
    activity,
    deleteNetwork: (n) => registry.networks.delete(n),
    clock,
    logger: createLogger({ level: 'silent' }),
  });
  const pool = await ipam.requestPool({ addressSpace: 'OvsnetLocal', pool: '10.1.0.0/24', v6: false });
  await ipam.requestAddress({ poolId: pool.poolId, kind: 'gateway' });
  await registry.networks.create(net(DOCKER_NET, '10.1.0.0/24'));
  await registry.networks.create(net(CLI_NET, '10.2.0.0/24', { name: 'by-hand' }));
  await registry.networks.create(net('raw-id', '10.3.0.0/24'));
  const joined = async (
    id: string,
    ip: string,
    extra: { container?: boolean; attached?: boolean; fromDocker?: boolean },
  ): Promise<void> => {
    await registry.endpoints.create({
      networkId: DOCKER_NET,
      endpointId: id,
      ipv4: `${ip}/24`,
      ...(extra.fromDocker ? { fromDocker: true } : {}),
      ...(extra.attached ? { attachment: { containerId: 'x', containerIface: 'eth1' } } : {}),
    });
    await registry.endpoints.update(DOCKER_NET, id, (r) => ({
      ...r,
      plugged: true,
      sandboxKey: `/run/docker/netns/${id}`,
      ...(extra.container ? { container: FACTS } : {}),
    }));
  };
  await joined('running', '10.1.0.2', { container: true });
  await joined('removed', '10.1.0.3', { container: true });
  // Docker dropped it before ovsnet learnt its container: its origin says it was Docker's.
  await joined('unlearnt', '10.1.0.6', { fromDocker: true });
  await joined('podman', '10.1.0.4', {});
  await joined('attached', '10.1.0.5', { container: true, attached: true });
  // Its container is starting: created and joined, not yet listed until after the first ask.
  await joined('starting', '10.1.0.7', { fromDocker: true });
  // Docker's Join retried across an ovsnet restart, lately.
  await joined('retried', '10.1.0.8', { fromDocker: true });
  // Created, not joined yet: not judged here at all (unjoined-endpoints.ts is).
  await registry.endpoints.create({
    networkId: DOCKER_NET,
    endpointId: 'creating',
    ipv4: '10.1.0.9/24',
    fromDocker: true,
  });
  listed.networks.add(DOCKER_NET);

  listed.answers = false;
  await assert.rejects(forgotten.sweep(10_000), /not answering/, 'nothing is judged without an answer');
  listed.answers = true;
  assert.deepEqual(await forgotten.sweep(10_000), { endpoints: [], networks: [] }, 'first sighting starts the clock');
  clock.advance(5_000);
  activity.touch(DOCKER_NET, 'retried', clock.now());
  clock.advance(5_000);
  afterListing = () => listed.endpoints.add('starting');
  assert.deepEqual(await forgotten.sweep(10_000), {
    endpoints: [`${DOCKER_NET}/removed`, `${DOCKER_NET}/unlearnt`],
    networks: [],
  });
  afterListing = () => {};
  assert.deepEqual(
    (await registry.endpoints.list()).map((e) => e.endpointId).sort(),
    ['attached', 'creating', 'podman', 'retried', 'running', 'starting'],
    'endpoints Docker never reported, still lists, lists by the second ask, called about lately, or is creating stay',
  );
  clock.advance(5_000);
  assert.deepEqual((await forgotten.sweep(10_000)).endpoints, [`${DOCKER_NET}/retried`], 'a grace after its last call');
  await registry.endpoints.delete(DOCKER_NET, 'creating');
  const left = (await registry.endpoints.list()).map((e) => e.endpointId).sort();
  assert.deepEqual(left, ['attached', 'podman', 'running', 'starting']);

  // The network Docker removed: it waits for its endpoints, then goes with its IPAM pool.
  listed.networks.clear();
  assert.deepEqual((await forgotten.sweep(10_000)).networks, []);
  clock.advance(10_000);
  assert.deepEqual((await forgotten.sweep(10_000)).networks, [], 'a network with endpoints stays');
  for (const id of left) await registry.endpoints.delete(DOCKER_NET, id);
  assert.deepEqual((await forgotten.sweep(10_000)).networks, [DOCKER_NET]);
  assert.deepEqual(
    (await registry.networks.list()).map((n) => n.id),
    [CLI_NET, 'raw-id'].sort(),
    'networks made with `ovsnet network create` or under an id Docker never gives are not Docker’s to drop',
  );
  assert.deepEqual(await ipam.list(), [], 'its pool and gateway address are given back');
});
