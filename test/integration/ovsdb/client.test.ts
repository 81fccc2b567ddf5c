// The OVSDB client against a real ovsdb-server and ovs-vswitchd.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ovsFor, ovsdbClientFor, withOvs } from '../../harness/with-ovs';
import { uniqueIfname } from '../../harness/netns';
import { Vswitch } from '../../../ovsdb/vswitch/vswitch';
import { OvsdbError, TransactionError } from '../../../ovsdb/protocol/errors';
import { insert, select, eq } from '../../../ovsdb/protocol/operations';
import { until } from '../../harness/until';
import { readPid } from '../../../controller/ovs/private-ovs';

test('bridges, veth, VXLAN and GRE ports through the client; replica follows ovs-vsctl and an ovsdb-server restart', async (t) => {
  await withOvs(t, async (ovs) => {
    const client = await ovsdbClientFor(t, ovs, { backoff: { minMs: 50, maxMs: 400, jitter: 0.1 } });
    assert.ok((await client.listDbs()).includes('Open_vSwitch'));
    const schema = await client.getSchema('Open_vSwitch');
    assert.match(schema.version, /^\d+\.\d+\.\d+$/);

    const vs = await Vswitch.open(client);
    await vs.ensureBridge({ name: 'br0', datapathType: 'netdev', failMode: 'secure', protocols: ['OpenFlow13'] });
    assert.equal((await ovs.vsctl('get', 'bridge', 'br0', 'fail_mode')).trim(), 'secure');
    assert.equal((await ovs.vsctl('get', 'bridge', 'br0', 'datapath_type')).trim(), 'netdev');
    await vs.ensureBridge({ name: 'br0', datapathType: 'netdev', failMode: 'secure', protocols: ['OpenFlow13'] });

    const veth = uniqueIfname('vt');
    await ovs.netns.ip('link', 'add', veth, 'type', 'veth', 'peer', 'name', `${veth}p`);
    await ovs.netns.ip('link', 'set', veth, 'up');
    await vs.addPorts([
      {
        bridge: 'br0',
        name: veth,
        ofportRequest: 40001,
        externalIds: { 'ovsnet-owner': 'endpoint:n/e1' },
        mtuRequest: 1400,
      },
      { bridge: 'br0', name: 'vx0', type: 'vxlan', options: { remote_ip: 'flow', key: 'flow' }, ofportRequest: 40002 },
      { bridge: 'br0', name: 'gre0', type: 'gre', options: { remote_ip: 'flow', key: 'flow' }, ofportRequest: 40003 },
    ]);
    const realised = await vs.waits.waitRealised([veth, 'vx0', 'gre0'], 10_000);
    assert.deepEqual([...realised.values()], [40001, 40002, 40003]);
    assert.equal((await ovs.vsctl('get', 'interface', veth, 'ofport')).trim(), '40001');
    assert.equal((await ovs.vsctl('get', 'interface', 'vx0', 'type')).trim(), 'vxlan');
    const owned = vs.view.indexInterfacesByExternalId('ovsnet-owner');
    assert.ok(owned);
    assert.deepEqual(
      vs.view.interfacesByExternalId('ovsnet-owner', 'endpoint:n/e1').map((i) => i.name),
      [veth],
    );
    assert.deepEqual(
      vs.view
        .ports('br0')
        .map((p) => p.name)
        .sort(),
      ['br0', 'gre0', veth, 'vx0'].sort(),
    );

    // Changes made by someone else arrive in the replica, including map diffs.
    await ovs.vsctl('add-port', 'br0', 'extra0', '--', 'set', 'interface', 'extra0', 'type=internal');
    await until('extra0 in the replica', () => vs.view.port('extra0') !== undefined);
    await ovs.vsctl('set', 'interface', veth, 'external_ids:color=blue');
    await until('external_ids diff', () => vs.view.interface(veth)?.externalIds['color'] === 'blue');
    assert.equal(vs.view.interface(veth)?.externalIds['ovsnet-owner'], 'endpoint:n/e1', 'untouched keys stay');
    await ovs.vsctl('remove', 'interface', veth, 'external_ids', 'color');
    await until('external_ids key removed', () => vs.view.interface(veth)?.externalIds['color'] === undefined);

    // Survive an ovsdb-server restart: same rows, no duplicates, later changes still arrive.
    const before = vs.view
      .ports()
      .map((p) => p.name)
      .sort();
    const beforeCount = vs.view.replica.count('Interface');
    await ovs.restartOvsdb();
    await until('reconnected', () => client.state === 'connected', 15_000);
    assert.deepEqual(
      vs.view
        .ports()
        .map((p) => p.name)
        .sort(),
      before,
    );
    assert.equal(vs.view.replica.count('Interface'), beforeCount);
    await ovs.vsctl('del-port', 'br0', 'extra0');
    await until('extra0 gone', () => vs.view.port('extra0') === undefined);

    await vs.removePorts([veth, 'vx0', 'gre0']);
    assert.deepEqual(
      vs.view.ports('br0').map((p) => p.name),
      ['br0'],
    );
    assert.equal((await ovs.vsctl('list-ports', 'br0')).trim(), '');
  });
});

test('bad requests give typed errors and leave the client usable', async (t) => {
  const ovs = await ovsFor(t);
  if (!ovs) return;
  const client = await ovsdbClientFor(t, ovs);

  await assert.rejects(
    client.transact('Open_vSwitch', [select('NoSuchTable')]),
    (e: unknown) => e instanceof TransactionError && e.opIndex === 0 && e.code === 'SYNTAX_ERROR',
  );
  await assert.rejects(
    client.transact('Open_vSwitch', [select('Bridge', [eq('no_such_column', 1)])]),
    (e: unknown) => e instanceof OvsdbError && /no_such_column|unknown column/.test(e.message),
  );
  await assert.rejects(
    client.transact('Open_vSwitch', [insert('Bridge', { name: 42 })]),
    (e: unknown) => e instanceof TransactionError && e.code === 'SYNTAX_ERROR',
  );
  await assert.rejects(
    client.transact('Nope', [select('Bridge')]),
    (e: unknown) => e instanceof OvsdbError && e.code === 'UNKNOWN_DATABASE',
  );
  // A Port without interfaces fails at commit: the error is the extra element after the ops.
  await assert.rejects(
    client.transact('Open_vSwitch', [insert('Port', { name: 'orphan' })]),
    (e: unknown) =>
      e instanceof TransactionError &&
      e.code === 'REFERENTIAL_INTEGRITY_VIOLATION' &&
      e.opIndex === 1 &&
      /at commit/.test(e.message),
  );
  await assert.rejects(
    client.monitor('Open_vSwitch', { Bridge: { columns: ['nope'] } }),
    (e: unknown) => e instanceof OvsdbError && e.code === 'INVALID_ARGUMENT' && /no column "nope"/.test(e.message),
  );
  // Out-of-range value (ofport_request must be 1..65279).
  await assert.rejects(
    client.transact('Open_vSwitch', [insert('Interface', { name: 'x', ofport_request: 70000 })]),
    (e: unknown) => e instanceof TransactionError && e.code === 'CONSTRAINT_VIOLATION',
  );
  assert.ok((await client.listDbs()).includes('Open_vSwitch'), 'still usable');
});

test('waits for ovs-vswitchd end as soon as the client is closed, not at their timeout', async (t) => {
  const ovs = await ovsFor(t);
  if (!ovs) return;
  const vswitchd = readPid(ovs.ovs.pidfile('ovs-vswitchd'));
  assert.ok(vswitchd !== undefined);
  const client = await ovsdbClientFor(t, ovs);
  const vs = await Vswitch.open(client);
  await vs.ensureBridge({ name: 'br0', datapathType: 'netdev', failMode: 'secure', protocols: ['OpenFlow13'] });
  const veth = uniqueIfname('vw');
  await ovs.netns.ip('link', 'add', veth, 'type', 'veth', 'peer', 'name', `${veth}p`);
  // A frozen ovs-vswitchd realises nothing: both waits below could only end by their timeout.
  const thaw = (): void => {
    try {
      process.kill(vswitchd, 'SIGCONT');
    } catch {
      // already gone
    }
  };
  process.kill(vswitchd, 'SIGSTOP');
  t.after(thaw);
  await vs.addPorts([{ bridge: 'br0', name: veth }]);
  const realised = vs.waits.waitRealised([veth], 60_000);
  const applied = vs.waits.waitCurCfg(Number.MAX_SAFE_INTEGER, 60_000);
  const outcome = (p: Promise<unknown>): Promise<string> =>
    p.then(
      () => 'resolved',
      (e: unknown) => (e instanceof OvsdbError ? e.code : String(e)),
    );
  const started = Date.now();
  client.close();
  const outcomes = await Promise.all([outcome(realised), outcome(applied)]);
  thaw();
  assert.deepEqual(outcomes, ['CONNECTION_CLOSED', 'CONNECTION_CLOSED']);
  assert.ok(Date.now() - started < 1000, `the waits ended ${Date.now() - started} ms after close`);
  assert.equal(
    await outcome(vs.waits.waitRealised([veth], 60_000)),
    'CONNECTION_CLOSED',
    'a wait begun after close ends at once',
  );
});
