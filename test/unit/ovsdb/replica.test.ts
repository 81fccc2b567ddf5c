import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Replica } from '../../../ovsdb/replica/replica';
import type { MonitoredTables, RowChange, RowIndex } from '../../../ovsdb/replica/typed';
import { parseSchema } from '../../../ovsdb/schema/schema';
import type { Tables } from '../../../ovsdb/schema/vswitch.gen';
import { applyColumnDiff } from '../../../ovsdb/replica/apply';
import { uuid, type Uuid } from '../../../ovsdb/protocol/notation';

const schema = parseSchema(JSON.parse(readFileSync('/usr/share/openvswitch/vswitch.ovsschema', 'utf8')));
const U1 = '11111111-1111-1111-1111-111111111111' as Uuid;
const U2 = '22222222-2222-2222-2222-222222222222' as Uuid;

test('schema: column kinds of the Open_vSwitch schema', () => {
  const iface = schema.tables.get('Interface')!;
  assert.equal(iface.columns.get('name')?.kind, 'scalar');
  assert.equal(iface.columns.get('ofport')?.kind, 'optional');
  assert.equal(iface.columns.get('external_ids')?.kind, 'map');
  assert.equal(schema.tables.get('Bridge')!.columns.get('ports')?.kind, 'set');
  assert.equal(schema.tables.get('Bridge')!.columns.get('ports')?.type.key.refTable, 'Port');
});

test('update2: initial with defaults, modify of scalars, optional, sets and maps, delete; events and indexes', () => {
  const monitored = {
    Interface: { columns: ['name', 'ofport', 'external_ids', 'error'] },
    Bridge: { columns: ['name', 'ports', 'protocols'] },
  } as const;
  type Monitored = MonitoredTables<Tables, typeof monitored>;
  const replica = new Replica<Monitored>(schema, {
    Interface: monitored.Interface.columns,
    Bridge: monitored.Bridge.columns,
  });
  const byName: RowIndex<Monitored, 'Interface'> = { table: 'Interface', key: (r) => r.name };
  const byOwner: RowIndex<Monitored, 'Interface'> = { table: 'Interface', key: (r) => r.external_ids['owner'] };
  replica.createIndex(byName);
  replica.createIndex(byOwner);
  const events: Array<RowChange<Monitored>> = [];
  replica.on('change', (c) => events.push(...c));

  replica.applyUpdate2({
    Interface: {
      [U1]: {
        initial: {
          name: 'a',
          external_ids: [
            'map',
            [
              ['owner', 'x'],
              ['k', 'v'],
            ],
          ],
        },
      },
    },
  });
  assert.equal(replica.lookupOne(byName, 'a')?.ofport, undefined, 'omitted optional column defaults to empty');
  assert.deepEqual(replica.lookupOne(byName, 'a')?.external_ids, { owner: 'x', k: 'v' }, 'maps decode to records');
  assert.equal(replica.lookup(byOwner, 'x').length, 1);

  replica.applyUpdate2({
    Interface: {
      [U1]: {
        modify: {
          ofport: 7,
          name: 'b',
          external_ids: [
            'map',
            [
              ['k', 'v'],
              ['owner', 'y'],
              ['new', '1'],
            ],
          ],
        },
      },
    },
  });
  const row = replica.lookupOne(byName, 'b')!;
  assert.equal(row.ofport, 7);
  assert.deepEqual(
    row.external_ids,
    { owner: 'y', new: '1' },
    'same value toggles the key off, a new value replaces it',
  );
  assert.equal(replica.lookup(byName, 'a').length, 0, 'index follows renames');
  assert.equal(replica.lookup(byOwner, 'y').length, 1);

  replica.applyUpdate2({ Interface: { [U1]: { modify: { ofport: ['set', [7, 9]] } } } });
  assert.equal(replica.lookupOne(byName, 'b')!.ofport, 9, 'an optional column changes by symmetric difference');

  const p1 = uuid(U1);
  const p2 = uuid(U2);
  replica.applyUpdate2({
    Bridge: { [U2]: { insert: { name: 'br0', ports: ['set', [p1]], protocols: 'OpenFlow13' } } },
  });
  assert.deepEqual(replica.get('Bridge', U2)!.protocols, ['OpenFlow13'], 'a set of one decodes to an array');
  replica.applyUpdate2({ Bridge: { [U2]: { modify: { ports: ['set', [p1, p2]] } } } });
  assert.deepEqual(replica.get('Bridge', U2)!.ports, [U2], 'references decode to their UUIDs');

  replica.applyUpdate2({ Interface: { [U1]: { delete: null } } });
  assert.equal(replica.count('Interface'), 0);
  assert.equal(replica.lookup(byOwner, 'y').length, 0);
  assert.deepEqual(
    events.map((e) => `${e.table}:${e.kind}`),
    ['Interface:insert', 'Interface:modify', 'Interface:modify', 'Bridge:insert', 'Bridge:modify', 'Interface:delete'],
  );
});

test('update (RFC 7047): whole rows replace, null new deletes', () => {
  const replica = new Replica(schema, { Port: ['name', 'tag'] });
  replica.applyUpdate({ Port: { [U1]: { new: { name: 'p', tag: 5 } } } });
  replica.applyUpdate({ Port: { [U1]: { old: { tag: 5 }, new: { name: 'p', tag: 6 } } } });
  assert.equal(replica.get('Port', U1)!['tag'], 6);
  replica.applyUpdate({ Port: { [U1]: { old: { name: 'p' } } } });
  assert.equal(replica.count('Port'), 0);
});

test('set diffs: one element against a large set, strings and integers, repeated toggles', () => {
  const ports = schema.tables.get('Bridge')!.columns.get('ports')!;
  const protocols = schema.tables.get('Bridge')!.columns.get('protocols')!;
  const ofport = schema.tables.get('Interface')!.columns.get('ofport')!;
  const uuids = Array.from(
    { length: 1000 },
    (_, i) => `00000000-0000-0000-0000-${String(i).padStart(12, '0')}` as Uuid,
  );
  const added = 'ffffffff-0000-0000-0000-000000000000' as Uuid;
  const grown = applyColumnDiff(ports, uuids, ['uuid', added]) as Uuid[];
  assert.equal(grown.length, 1001);
  assert.equal(grown.at(-1), added, 'a new element is appended, the rest keep their order');
  const shrunk = applyColumnDiff(ports, grown, [
    'set',
    [
      ['uuid', uuids[5]!],
      ['uuid', added],
    ],
  ]) as Uuid[];
  assert.equal(shrunk.length, 999);
  assert.ok(!shrunk.includes(uuids[5]!) && !shrunk.includes(added));
  // Values are never changed in place: the earlier set still answers as it was.
  assert.equal((applyColumnDiff(ports, grown, ['uuid', added]) as Uuid[]).length, 1000);
  assert.equal((applyColumnDiff(ports, uuids, ['uuid', uuids[0]!]) as Uuid[]).length, 999);
  assert.equal(grown.length, 1001);
  assert.equal(uuids.length, 1000);
  // A set stays an array whatever its size; the wire's bare atom for a set of one is decoded away.
  assert.deepEqual(applyColumnDiff(protocols, ['OpenFlow10', 'OpenFlow13'], 'OpenFlow10'), ['OpenFlow13']);
  assert.deepEqual(applyColumnDiff(protocols, ['OpenFlow13'], ['set', ['OpenFlow13', 'OpenFlow14', 'OpenFlow15']]), [
    'OpenFlow14',
    'OpenFlow15',
  ]);
  assert.equal(applyColumnDiff(ofport, undefined, 7), 7);
  assert.equal(applyColumnDiff(ofport, 7, 7), undefined, 'the same element twice toggles it off');
});

test('map diffs on records and on entry lists; unknown columns are kept as sent', () => {
  const externalIds = schema.tables.get('Interface')!.columns.get('external_ids')!;
  const before = { a: '1', b: '2' };
  assert.deepEqual(
    applyColumnDiff(externalIds, before, [
      'map',
      [
        ['a', '1'],
        ['b', '3'],
        ['c', '4'],
      ],
    ]),
    { b: '3', c: '4' },
  );
  assert.deepEqual(before, { a: '1', b: '2' }, 'the old record is untouched');
  const flowTables = schema.tables.get('Bridge')!.columns.get('flow_tables')!;
  assert.deepEqual(applyColumnDiff(flowTables, [[1, U1]], ['map', [[2, ['uuid', U2]]]]), [
    [1, U1],
    [2, U2],
  ]);
  assert.deepEqual(applyColumnDiff(undefined, 'old', ['set', [1]]), ['set', [1]]);
});
