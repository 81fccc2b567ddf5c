// The Open_vSwitch read view and operation builder over a replica fed by hand: what they
// read and which operations they build, without a server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { OvsdbError } from '../../../ovsdb/protocol/errors';
import { map, namedUuid, set, uuid, asNamedUuid, type Uuid } from '../../../ovsdb/protocol/notation';
import { eq, insert, mutate, update } from '../../../ovsdb/protocol/operations';
import { Replica } from '../../../ovsdb/replica/replica';
import { parseSchema } from '../../../ovsdb/schema/schema';
import { MONITORED, type VswitchTables } from '../../../ovsdb/vswitch/model';
import { VswitchOperations } from '../../../ovsdb/vswitch/operations';
import { VswitchView } from '../../../ovsdb/vswitch/view';

const schema = parseSchema(JSON.parse(readFileSync('/usr/share/openvswitch/vswitch.ovsschema', 'utf8')));
const ROOT = '00000000-0000-0000-0000-000000000001' as Uuid;
const BR0 = '00000000-0000-0000-0000-000000000002' as Uuid;
const P0 = '00000000-0000-0000-0000-000000000003' as Uuid;
const I0 = '00000000-0000-0000-0000-000000000004' as Uuid;

/** A replica holding br0 (secure, OpenFlow13) with one port p0, its interface realised as ofport 7. */
function vswitch(): { view: VswitchView; ops: VswitchOperations; replica: Replica<VswitchTables> } {
  const replica = new Replica<VswitchTables>(
    schema,
    Object.fromEntries(Object.entries(MONITORED).map(([table, request]) => [table, request.columns])),
  );
  replica.applyUpdate2({
    Open_vSwitch: { [ROOT]: { initial: { bridges: uuid(BR0), next_cfg: 5, cur_cfg: 4 } } },
    Bridge: {
      [BR0]: { initial: { name: 'br0', ports: uuid(P0), fail_mode: 'secure', protocols: 'OpenFlow13' } },
    },
    Port: { [P0]: { initial: { name: 'p0', interfaces: uuid(I0), tag: 10 } } },
    Interface: { [I0]: { initial: { name: 'p0', ofport: 7, external_ids: map({ 'ovsnet-owner': 'endpoint:n/e' }) } } },
  });
  const view = new VswitchView(replica);
  return { view, ops: new VswitchOperations(view), replica };
}

const code = (expected: string) => (e: unknown) => e instanceof OvsdbError && e.code === expected;
const bump = mutate('Open_vSwitch', [eq('_uuid', uuid(ROOT))], [['next_cfg', '+=', 1]]);

test('the view reads typed rows: ports with their bridge and interfaces, cur_cfg against next_cfg', () => {
  const { view, replica } = vswitch();
  assert.equal(view.bridge('br0')?.fail_mode, 'secure');
  assert.deepEqual(view.bridge('br0')?.protocols, ['OpenFlow13']);
  assert.deepEqual(view.port('p0'), {
    name: 'p0',
    bridge: 'br0',
    tag: 10,
    externalIds: {},
    interfaces: [{ name: 'p0', type: '', ofport: 7, externalIds: { 'ovsnet-owner': 'endpoint:n/e' }, options: {} }],
  });
  assert.deepEqual(
    view.ports('br0').map((p) => p.name),
    ['p0'],
  );
  assert.deepEqual(view.ports('br9'), [], 'an unknown bridge has no ports');
  assert.equal(view.configPending(), true, 'cur_cfg 4 < next_cfg 5');
  replica.applyUpdate2({ Open_vSwitch: { [ROOT]: { modify: { cur_cfg: 5 } } } });
  assert.equal(view.configPending(), false);
  view.indexInterfacesByExternalId('ovsnet-owner');
  assert.deepEqual(
    view.interfacesByExternalId('ovsnet-owner', 'endpoint:n/e').map((i) => i.name),
    ['p0'],
  );
  assert.throws(() => view.interfacesByExternalId('container_id', 'x'), /not indexed/);
});

test('ensureBridge builds nothing for a bridge as asked, an update of what differs, or a whole new bridge', () => {
  const { ops } = vswitch();
  assert.deepEqual(ops.ensureBridge({ name: 'br0', failMode: 'secure', protocols: ['OpenFlow13'] }), []);
  assert.deepEqual(ops.ensureBridge({ name: 'br0', failMode: 'standalone', protocols: ['OpenFlow13'] }), [
    update('Bridge', [eq('_uuid', uuid(BR0))], { fail_mode: 'standalone' }),
    bump,
  ]);
  const created = ops.ensureBridge({ name: 'br1', datapathType: 'netdev' });
  assert.deepEqual(
    created.map((op) => `${op.op} ${'table' in op ? op.table : ''}`),
    ['insert Interface', 'insert Port', 'insert Bridge', 'mutate Open_vSwitch', 'mutate Open_vSwitch'],
  );
  assert.deepEqual(created[2], {
    op: 'insert',
    table: 'Bridge',
    row: { name: 'br1', ports: namedUuid(asNamedUuid('brport')), datapath_type: 'netdev' },
    'uuid-name': 'br',
  });
  assert.deepEqual(ops.deleteBridge('br9'), [], 'an absent bridge needs nothing');
});

test('changePorts removes first, adds per bridge and bumps next_cfg once; no change is no operation', () => {
  const { ops } = vswitch();
  const port1 = asNamedUuid('port0');
  assert.deepEqual(ops.changePorts(['p0'], [{ bridge: 'br0', name: 'p1', tag: 3 }]), [
    mutate('Bridge', [eq('_uuid', uuid(BR0))], [['ports', 'delete', set([uuid(P0)])]]),
    insert('Interface', { name: 'p1', type: '' }, asNamedUuid('if0')),
    insert('Port', { name: 'p1', interfaces: namedUuid(asNamedUuid('if0')), tag: 3 }, port1),
    mutate('Bridge', [eq('_uuid', uuid(BR0))], [['ports', 'insert', set([namedUuid(port1)])]]),
    bump,
  ]);
  assert.deepEqual(ops.changePorts(['nope'], []), [], 'an unknown name is skipped');
  assert.deepEqual(ops.setPortTag('p0', undefined), [update('Port', [eq('_uuid', uuid(P0))], { tag: set([]) })]);
});

test('requests the replica shows cannot succeed are refused with client-side codes', () => {
  const { ops } = vswitch();
  assert.throws(() => ops.checkAddPort({ bridge: 'br9', name: 'x' }), code('ROW_NOT_FOUND'));
  assert.throws(() => ops.checkAddPort({ bridge: 'br0', name: 'p0' }), code('ROW_EXISTS'));
  assert.throws(
    () =>
      ops.addPorts([
        { bridge: 'br0', name: 'x' },
        { bridge: 'br0', name: 'x' },
      ]),
    code('INVALID_ARGUMENT'),
  );
  assert.throws(() => ops.setPortTag('nope', 1), code('ROW_NOT_FOUND'));
});

test('next_cfg is read back from the select the builder adds', () => {
  const { ops } = vswitch();
  assert.deepEqual(ops.selectNextCfg(), {
    op: 'select',
    table: 'Open_vSwitch',
    where: [eq('_uuid', uuid(ROOT))],
    columns: ['next_cfg'],
  });
  assert.equal(ops.nextCfgOf({ rows: [{ next_cfg: 42 }] }), 42);
  assert.equal(ops.nextCfgOf(undefined), 0);
});
