// The port pool against a real OVS: joins take veth pairs that are already ports on the
// bridge, the pool refills itself, an idle pooled port carries no traffic, slots survive a
// restart (broken ones are dropped), concurrent joins never share a slot, and the pool
// can be turned off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ControllerHost } from './fixture';
import { Netns } from '../../harness/netns';
import { ping } from '../../harness/probes';
import { OVS_BINARIES, requireBinaries } from '../../harness/require';
import { withLogs } from '../../harness/failure-logs';
import { until } from '../../harness/until';

async function bridgePorts(host: ControllerHost): Promise<string[]> {
  return (await host.ovs.vsctl('list-ports', 'br-int')).split('\n').filter(Boolean);
}

/** Ready slots in the order joins take them. */
async function readySlots(host: ControllerHost): Promise<string[]> {
  const stored = new Set((await host.daemon.registry.poolSlots.list()).filter((s) => s.made).map((s) => s.hostIfname));
  return [...(host.daemon.service.pool?.readySlots() ?? [])].filter((name) => stored.has(name));
}

test('joins take pooled ports that are already on the bridge, and the pool refills', async (t) => {
  if (!requireBinaries(t, OVS_BINARIES)) return;
  const host = await ControllerHost.start();
  t.after(() => host.stop());
  await withLogs([host], async () => {
    await host.network('n', '10.61.0.0/24');
    assert.deepEqual(await host.daemon.registry.poolSlots.list(), [], 'no pool before the first join');
    const a = await host.container('n', 'pool-ep-a', '10.61.0.2/24');
    const aInfo = await host.daemon.service.endpointInfo('n', 'pool-ep-a');
    assert.match(aInfo.hostIfname, /^ovp[0-9a-f]{11}$/, 'a pooled veth');
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

    const next = slots[0] as string;
    const b = await host.container('n', 'pool-ep-b', '10.61.0.3/24');
    const bInfo = await host.daemon.service.endpointInfo('n', 'pool-ep-b');
    assert.equal(bInfo.hostIfname, next, 'the next join takes the oldest ready slot');
    assert.equal(
      Number((await host.ovs.vsctl('get', 'interface', next, 'ofport')).trim()),
      bInfo.ofport,
      "the endpoint has the slot's OpenFlow port",
    );
    assert.equal(await ping(a.ns, b.ip, { timeoutMs: 2000 }), true, 'pooled endpoints reach each other');
    assert.equal(await ping(b.ns, '10.61.0.1', { timeoutMs: 2000 }), true, 'and their gateway');

    // Whoever gets hold of an idle pooled veth has a port with no flows: nothing gets through.
    const idle = (await readySlots(host)).find((s) => s !== next) as string;
    const peer = idle.replace(/^ovp/, 'ovq');
    const intruder = await Netns.create('x');
    t.after(() => intruder.destroy());
    await host.ovs.netns.ip('link', 'set', 'dev', peer, 'netns', intruder.path);
    await intruder.ip('addr', 'add', '10.61.0.200/24', 'dev', peer);
    await intruder.ip('link', 'set', 'dev', peer, 'up');
    assert.equal(await ping(intruder, a.ip, { timeoutMs: 1000 }), false, 'an idle pooled port reaches no container');
    assert.equal(await ping(intruder, '10.61.0.1', { timeoutMs: 1000 }), false, 'nor the gateway');
    // The daemon's periodic upkeep drops that slot: a join must not get a half pair.
    await host.daemon.service.pool?.maintain();
    assert.ok(!(await readySlots(host)).includes(idle), 'the slot missing its other end is dropped');
    await until('its port is gone', async () => !(await bridgePorts(host)).includes(idle), 10_000);

    // Deleting a pooled endpoint removes its veth and port like any other.
    await host.daemon.service.deleteEndpoint('n', 'pool-ep-b');
    await until('pooled veth deleted', async () => !(await host.linkExists(next)), 10_000);
    await until('its port removed', async () => !(await bridgePorts(host)).includes(next), 10_000);
  });
});

test('pool slots survive a restart; a slot whose veth vanished is dropped with its port', async (t) => {
  if (!requireBinaries(t, OVS_BINARIES)) return;
  const host = await ControllerHost.start();
  t.after(() => host.stop());
  await withLogs([host], async () => {
    await host.network('n', '10.62.0.0/24');
    await host.container('n', 'pool-ep-r1', '10.62.0.2/24');
    await until('the pool filled', async () => (await readySlots(host)).length >= 8, 20_000);
    const before = await readySlots(host);
    await host.daemon.stop();
    const lost = before[0] as string;
    await host.ovs.netns.ip('link', 'del', 'dev', lost);
    await host.startDaemonAgain();
    const after = await readySlots(host);
    assert.ok(!after.includes(lost), 'the broken slot is dropped');
    assert.deepEqual([...after].sort(), before.slice(1).sort(), 'the intact slots are kept');
    await until("the broken slot's port is gone", async () => !(await bridgePorts(host)).includes(lost), 10_000);
    const c = await host.container('n', 'pool-ep-r2', '10.62.0.3/24');
    assert.equal(
      (await host.daemon.service.endpointInfo('n', 'pool-ep-r2')).hostIfname,
      after[0],
      'joins take the slots of the last run',
    );
    assert.equal(await ping(c.ns, '10.62.0.2', { timeoutMs: 2000 }), true);
  });
});

test('concurrent joins get distinct pooled ports', async (t) => {
  if (!requireBinaries(t, OVS_BINARIES)) return;
  const host = await ControllerHost.start();
  t.after(() => host.stop());
  await withLogs([host], async () => {
    await host.network('n', '10.63.0.0/24');
    const ids = Array.from({ length: 24 }, (_, i) => `pool-many-${String(i).padStart(2, '0')}`);
    await Promise.all(
      ids.map((id, i) =>
        host.daemon.service.createEndpoint({ networkId: 'n', endpointId: id, ipv4: `10.63.0.${i + 2}/24` }),
      ),
    );
    await Promise.all(ids.map((id) => host.daemon.service.join('n', id, '/run/netns/none')));
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
    // A retried join keeps the endpoint's slot and takes no other.
    const first = endpoints[0] as (typeof endpoints)[number];
    const spare = await readySlots(host);
    await host.daemon.service.join('n', first.endpointId, '/run/netns/none');
    assert.equal((await host.daemon.service.endpointInfo('n', first.endpointId)).hostIfname, first.hostIfname);
    assert.deepEqual(await readySlots(host), spare, 'the retry took no slot');
  });
});

test('--port-pool 0: every join makes its own veth', async (t) => {
  if (!requireBinaries(t, OVS_BINARIES)) return;
  const host = await ControllerHost.start({ portPool: 0 });
  t.after(() => host.stop());
  await withLogs([host], async () => {
    await host.network('n', '10.64.0.0/24');
    const a = await host.container('n', 'nopool-ep-a', '10.64.0.2/24');
    const b = await host.container('n', 'nopool-ep-b', '10.64.0.3/24');
    assert.equal((await host.daemon.service.endpointInfo('n', 'nopool-ep-a')).hostIfname, 'ovsnopoolepa');
    assert.equal(await ping(a.ns, b.ip, { timeoutMs: 2000 }), true);
    assert.deepEqual(await host.daemon.registry.poolSlots.list(), [], 'no pool');
  });
});
