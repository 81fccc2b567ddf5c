// The port pool's own logic over a real registry (file store in a temp dir): slots and
// claims as stored, batch sizing under demand, failed veths dropped, concurrent claims.
// The links and the switch are fakes here; test/integration/controller/port-pool.test.ts
// runs the same against real OVS and veths.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileKvStore } from '../../../controller/store/file-store';
import { Registry } from '../../../controller/cnm/registry';
import { PortPool } from '../../../controller/port-pool';
import { silentLogger } from '../../../controller/log';
import { systemClock } from '../../../controller/clock';
import { keys } from '../../../controller/cnm/records';
import { desiredPorts } from '../../../controller/reconcile/desired-ports';

interface Fakes {
  registry: Registry;
  store: FileKvStore;
  links: Set<string>;
  batches: number[];
  failNext: Set<number>;
  pool: PortPool;
}

/** The switch's answer to "are these ports realised?" (names of those that failed). */
type Realise = (names: string[]) => Promise<string[]>;

function setup(t: TestContext, minIdle = 4, realise: Realise = async () => []): Fakes {
  const dir = mkdtempSync(join(tmpdir(), 'ovsnet-pool-'));
  const store = FileKvStore.open(dir);
  const registry = new Registry(store);
  const links = new Set<string>();
  const batches: number[] = [];
  const failNext = new Set<number>();
  const pool = new PortPool({
    registry,
    links: {
      createVethPairs: async (pairs) => {
        batches.push(pairs.length);
        const failed = new Set<string>();
        pairs.forEach((p, i) => {
          if (failNext.has(i)) failed.add(p.host);
          else links.add(p.host).add(p.peer);
        });
        failNext.clear();
        return failed;
      },
      linkNames: async () => new Set(links),
    },
    dataplane: { kick: () => undefined, waitPortsRealised: (names) => realise(names) },
    clock: systemClock,
    logger: silentLogger,
    minIdle,
    removeLinks: async (names) => {
      for (const name of names) {
        links.delete(name);
        links.delete(name.replace(/^ovp/, 'ovq'));
      }
      await registry.staleLinks.forgetAll(names);
    },
  });
  t.after(async () => {
    pool.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { registry, store, links, batches, failNext, pool };
}

async function network(registry: Registry, endpoints: number): Promise<string[]> {
  await registry.networks.create({
    id: 'n',
    ipv4: [{ pool: '10.9.0.0/16', gateway: '10.9.0.1' }],
    ipv6: [],
    icc: true,
    internal: false,
  });
  const ids = Array.from({ length: endpoints }, (_, i) => `ep-${String(i).padStart(4, '0')}`);
  for (const [i, id] of ids.entries())
    await registry.endpoints.create({
      networkId: 'n',
      endpointId: id,
      ipv4: `10.9.${(i + 2) >> 8}.${(i + 2) & 255}/16`,
    });
  return ids;
}

test('a claim hands the endpoint a slot: its veth, port number and a pool-owned port, in one step', async (t) => {
  const { registry, store, pool } = setup(t);
  const [id] = (await network(registry, 1)) as [string];
  const before = await registry.endpoints.require('n', id);
  const record = await pool.claim('n', id, '/run/netns/x', 5000);
  assert.match(record.hostIfname, /^ovp[0-9a-f]{11}$/);
  assert.equal(record.containerIfname, record.hostIfname.replace(/^ovp/, 'ovq'));
  assert.equal(record.pooled, true);
  assert.equal(record.plugged, true);
  assert.equal(record.sandboxKey, '/run/netns/x');
  assert.notEqual(record.ofport, before.ofport);
  assert.equal(await store.get(keys.ofport(before.ofport)), undefined, 'the number reserved at create is given back');
  assert.equal(
    (await store.get(keys.ofport(record.ofport)))?.value,
    `endpoint:n/${id}`,
    "the slot's number is the endpoint's now",
  );
  assert.equal(await store.get(keys.poolSlot(record.hostIfname)), undefined, 'the slot is gone');
  const port = desiredPorts(
    await registry.networks.list(),
    await registry.endpoints.list(),
    [],
    await registry.gatewayPorts.numbers(),
  ).find((p) => p.name === record.hostIfname);
  assert.equal(port?.owner, `pool:${record.hostIfname}`, 'the port keeps its owner, so it is not recreated');
  assert.deepEqual(await pool.claim('n', id, '/run/netns/x', 5000), record, 'a retried claim returns the same');
});

test('slots only belong on the bridge once their veth exists', async (t) => {
  const { registry } = setup(t);
  const slot = (await registry.poolSlots.add(1))[0] as { hostIfname: string };
  const ports = (): Promise<string[]> =>
    registry.poolSlots.list().then((slots) => desiredPorts([], [], slots, new Map()).map((p) => p.name));
  assert.deepEqual(await ports(), []);
  await registry.poolSlots.markMade([slot.hostIfname]);
  assert.deepEqual(await ports(), [slot.hostIfname]);
});

test('under a burst the batches grow; a veth that could not be made is dropped', async (t) => {
  const { registry, pool, batches, failNext, links } = setup(t, 4);
  const ids = await network(registry, 300);
  failNext.add(0);
  const claimed = await Promise.all(ids.map((id) => pool.claim('n', id, '/run/netns/x', 20_000)));
  assert.equal(new Set(claimed.map((r) => r.hostIfname)).size, ids.length, 'no slot is handed out twice');
  assert.equal(new Set(claimed.map((r) => r.ofport)).size, ids.length);
  assert.ok(
    claimed.every((r) => links.has(r.hostIfname) && links.has(r.containerIfname)),
    'every claimed veth was made',
  );
  assert.equal(batches[0], 4, 'the first batch is minIdle');
  assert.ok(Math.max(...batches) >= 128, `batches doubled under demand: ${batches.join(',')}`);
  assert.ok(batches.length < 12, `a few batches, not one per join: ${batches.length}`);
  const slots = await registry.poolSlots.list();
  assert.ok(
    slots.every((s) => s.made),
    'no unmade slot left behind',
  );
  assert.ok((await registry.staleLinks.list()).length === 0, 'the failed pair was recorded and removed');
});

test('a restart keeps made slots whose veths exist and drops the rest', async (t) => {
  const { registry, pool, links } = setup(t, 4);
  const [id] = (await network(registry, 1)) as [string];
  await pool.claim('n', id, '/run/netns/x', 5000);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const slots = await registry.poolSlots.list();
  assert.ok(slots.length >= 4);
  const [lost, ...kept] = slots.map((s) => s.hostIfname) as [string, ...string[]];
  links.delete(lost);
  await registry.poolSlots.add(1); // reserved, never made: a crash before its veth
  pool.stop();
  const again = new PortPool({
    registry,
    links: { createVethPairs: async () => new Set(), linkNames: async () => new Set(links) },
    dataplane: { kick: () => undefined, waitPortsRealised: async () => [] },
    clock: systemClock,
    logger: silentLogger,
    minIdle: 4,
    removeLinks: async (names) => registry.staleLinks.forgetAll(names),
  });
  await again.start();
  assert.deepEqual([...again.readySlots()].sort(), [...kept].sort());
  assert.deepEqual((await registry.poolSlots.list()).map((s) => s.hostIfname).sort(), [...kept].sort());
});

test('stopping while a batch waits for the switch keeps its slots and settles once the wait ends', async (t) => {
  let endWait: ((failed: string[]) => void) | undefined;
  let waitingFor: string[] = [];
  const { registry, pool, links } = setup(
    t,
    4,
    (names) =>
      new Promise((resolve) => {
        waitingFor = names;
        endWait = resolve;
      }),
  );
  const [first, second] = (await network(registry, 2)) as [string, string];
  const taken = await pool.claim('n', first, '/run/netns/x', 5000);
  while (endWait === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
  pool.stop();
  let settled = false;
  const settling = pool.settled().then(() => (settled = true));
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(settled, false, 'a refill in flight is waited for');
  // What a closed OVSDB client does to the wait: every port "failed".
  endWait(waitingFor);
  await settling;
  const slots = (await registry.poolSlots.list()).map((s) => s.hostIfname);
  const idle = waitingFor.filter((name) => name !== taken.hostIfname);
  assert.ok(
    idle.length > 0 && idle.every((name) => slots.includes(name) && links.has(name)),
    `the batch is kept for the next run: ${idle.join(',')} in ${slots.join(',')}`,
  );
  assert.deepEqual(await registry.staleLinks.list(), [], 'no veth marked for removal');
  await assert.rejects(pool.claim('n', second, '/run/netns/x', 5000), /stopping/);
});
