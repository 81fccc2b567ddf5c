// The port pool against a real OVS: joins take veth pairs that are already ports on the
// bridge, the pool refills itself, an idle pooled port carries no traffic, slots survive a
// restart (broken ones are dropped), concurrent joins never share a slot, and the pool
// can be turned off.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedControllerHost, withControllerHost, type Container, type ControllerHost } from './fixture';
import { Netns } from '../../harness/netns';
import { ping } from '../../harness/probes';
import { until } from '../../harness/until';

async function bridgePorts(host: ControllerHost): Promise<string[]> {
  return (await host.ovs.vsctl('list-ports', 'br-int')).split('\n').filter(Boolean);
}

/** Ready slots in the order joins take them. */
async function readySlots(host: ControllerHost): Promise<string[]> {
  const stored = new Set((await host.daemon.registry.poolSlots.list()).filter((s) => s.made).map((s) => s.hostIfname));
  return [...(host.daemon.service.pool?.readySlots() ?? [])].filter((name) => stored.has(name));
}

// The tests run in order on one host and build on each other, as joins on a live host do:
// the first join starts the pool, the second takes a slot, and so on.
describe('joins on pooled ports', () => {
  const rig = sharedControllerHost({ prepare: (host) => host.network('n', '10.61.0.0/24') });
  let a: Container;
  let b: Container;
  let next: string;
  let idle: string;
  // Kept until the end: removing the namespace would remove the whole veth pair.
  const intruders: Netns[] = [];
  after(async () => {
    for (const intruder of intruders) await intruder.destroy();
  });

  test('there is no pool before the first join', (t) =>
    rig.run(t, async (host) => {
      assert.deepEqual(await host.daemon.registry.poolSlots.list(), [], 'no pool before the first join');
    }));

  test('a join takes a pooled veth', (t) =>
    rig.run(t, async (host) => {
      a = await host.container('n', 'pool-ep-a', '10.61.0.2/24');
      const aInfo = await host.daemon.service.endpointInfo('n', 'pool-ep-a');
      assert.match(aInfo.hostIfname, /^ovp[0-9a-f]{11}$/, 'a pooled veth');
    }));

  test('the pool refills with ports that are on the bridge and realised before any join takes them', (t) =>
    rig.run(t, async (host) => {
      await until('the pool holds 8 ready ports', async () => (await readySlots(host)).length >= 8, 20_000);
      const slots = await readySlots(host);
      const ports = await bridgePorts(host);
      for (const slot of slots) {
        assert.ok(ports.includes(slot), `${slot} is on the bridge before any join takes it`);
        await until(
          `${slot} realised`,
          async () => Number((await host.ovs.vsctl('get', 'interface', slot, 'ofport')).trim()) > 0,
          10_000,
        );
      }
      next = slots[0] as string;
    }));

  test("the next join takes the oldest ready slot with the slot's OpenFlow port", (t) =>
    rig.run(t, async (host) => {
      b = await host.container('n', 'pool-ep-b', '10.61.0.3/24');
      const bInfo = await host.daemon.service.endpointInfo('n', 'pool-ep-b');
      assert.equal(bInfo.hostIfname, next, 'the next join takes the oldest ready slot');
      assert.equal(
        Number((await host.ovs.vsctl('get', 'interface', next, 'ofport')).trim()),
        bInfo.ofport,
        "the endpoint has the slot's OpenFlow port",
      );
    }));

  test('pooled endpoints reach each other and their gateway', (t) =>
    rig.run(t, async () => {
      assert.equal(await ping(a.ns, b.ip, { timeoutMs: 2000 }), true, 'pooled endpoints reach each other');
      assert.equal(await ping(b.ns, '10.61.0.1', { timeoutMs: 2000 }), true, 'and their gateway');
    }));

  test('an idle pooled port has no flows: nothing gets through it', (t) =>
    rig.run(t, async (host) => {
      // Whoever gets hold of an idle pooled veth has a port with no flows.
      idle = (await readySlots(host)).find((s) => s !== next) as string;
      const peer = idle.replace(/^ovp/, 'ovq');
      const intruder = await Netns.create('x');
      intruders.push(intruder);
      await host.ovs.netns.ip('link', 'set', 'dev', peer, 'netns', intruder.path);
      await intruder.ip('addr', 'add', '10.61.0.200/24', 'dev', peer);
      await intruder.ip('link', 'set', 'dev', peer, 'up');
      assert.equal(await ping(intruder, a.ip, { timeoutMs: 1000 }), false, 'an idle pooled port reaches no container');
      assert.equal(await ping(intruder, '10.61.0.1', { timeoutMs: 1000 }), false, 'nor the gateway');
    }));

  test('upkeep drops a slot missing its other end, with its port', (t) =>
    rig.run(t, async (host) => {
      // The test before moved that slot's peer away; a join must not get a half pair.
      await host.daemon.service.pool?.maintain();
      assert.ok(!(await readySlots(host)).includes(idle), 'the slot missing its other end is dropped');
      await until('its port is gone', async () => !(await bridgePorts(host)).includes(idle), 10_000);
    }));

  test('deleting a pooled endpoint removes its veth and port like any other', (t) =>
    rig.run(t, async (host) => {
      await host.daemon.service.deleteEndpoint('n', 'pool-ep-b');
      await until('pooled veth deleted', async () => !(await host.linkExists(next)), 10_000);
      await until('its port removed', async () => !(await bridgePorts(host)).includes(next), 10_000);
    }));
});

// A filled pool, the daemon stopped, one slot's veth deleted, the daemon started again.
describe('pool slots across a daemon restart', () => {
  let slotsBefore: string[];
  let slotsAfter: string[];
  let lost: string;
  const rig = sharedControllerHost({
    prepare: async (host) => {
      await host.network('n', '10.62.0.0/24');
      await host.container('n', 'pool-ep-r1', '10.62.0.2/24');
      await until('the pool filled', async () => (await readySlots(host)).length >= 8, 20_000);
      slotsBefore = await readySlots(host);
      await host.daemon.stop();
      lost = slotsBefore[0] as string;
      await host.ovs.netns.ip('link', 'del', 'dev', lost);
      await host.startDaemonAgain();
      slotsAfter = await readySlots(host);
    },
  });

  test('a slot whose veth vanished is dropped, with its port', (t) =>
    rig.run(t, async (host) => {
      assert.ok(!slotsAfter.includes(lost), 'the broken slot is dropped');
      await until("the broken slot's port is gone", async () => !(await bridgePorts(host)).includes(lost), 10_000);
    }));

  test('the intact slots are kept', (t) =>
    rig.run(t, () => {
      assert.deepEqual([...slotsAfter].sort(), slotsBefore.slice(1).sort(), 'the intact slots are kept');
    }));

  test('joins take the slots of the last run', (t) =>
    rig.run(t, async (host) => {
      const c = await host.container('n', 'pool-ep-r2', '10.62.0.3/24');
      assert.equal(
        (await host.daemon.service.endpointInfo('n', 'pool-ep-r2')).hostIfname,
        slotsAfter[0],
        'joins take the slots of the last run',
      );
      assert.equal(await ping(c.ns, '10.62.0.2', { timeoutMs: 2000 }), true);
    }));
});

// 24 endpoints created and joined all at once.
describe('concurrent joins', () => {
  const ids = Array.from({ length: 24 }, (_, i) => `pool-many-${String(i).padStart(2, '0')}`);
  const rig = sharedControllerHost({
    prepare: async (host) => {
      await host.network('n', '10.63.0.0/24');
      await Promise.all(
        ids.map((id, i) =>
          host.daemon.service.createEndpoint({ networkId: 'n', endpointId: id, ipv4: `10.63.0.${i + 2}/24` }),
        ),
      );
      await Promise.all(ids.map((id) => host.daemon.service.join('n', id, '/run/netns/none')));
    },
  });

  test('concurrent joins get distinct pooled ports, all on the bridge', (t) =>
    rig.run(t, async (host) => {
      const endpoints = await host.daemon.registry.endpoints.list('n');
      const names = endpoints.map((e) => e.hostIfname);
      assert.equal(new Set(names).size, ids.length, 'one veth each');
      assert.equal(new Set(endpoints.map((e) => e.ofport)).size, ids.length, 'one OpenFlow port each');
      const slots = new Set((await host.daemon.registry.poolSlots.list()).map((s) => s.hostIfname));
      assert.ok(
        names.every((n) => /^ovp/.test(n) && !slots.has(n)),
        'all pooled, none still listed as a slot',
      );
      const ports = await bridgePorts(host);
      assert.ok(
        names.every((n) => ports.includes(n)),
        'every endpoint port is on the bridge',
      );
    }));

  test("a retried join keeps the endpoint's slot and takes no other", (t) =>
    rig.run(t, async (host) => {
      const endpoints = await host.daemon.registry.endpoints.list('n');
      const first = endpoints[0] as (typeof endpoints)[number];
      const spare = await readySlots(host);
      await host.daemon.service.join('n', first.endpointId, '/run/netns/none');
      assert.equal((await host.daemon.service.endpointInfo('n', first.endpointId)).hostIfname, first.hostIfname);
      assert.deepEqual(await readySlots(host), spare, 'the retry took no slot');
    }));
});

test('--port-pool 0: every join makes its own veth', async (t) => {
  await withControllerHost(t, { portPool: 0 }, async (host) => {
    await host.network('n', '10.64.0.0/24');
    const a = await host.container('n', 'nopool-ep-a', '10.64.0.2/24');
    const b = await host.container('n', 'nopool-ep-b', '10.64.0.3/24');
    assert.equal((await host.daemon.service.endpointInfo('n', 'nopool-ep-a')).hostIfname, 'ovsnopoolepa');
    assert.equal(await ping(a.ns, b.ip, { timeoutMs: 2000 }), true);
    assert.deepEqual(await host.daemon.registry.poolSlots.list(), [], 'no pool');
  });
});
