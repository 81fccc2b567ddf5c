import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Replica, type RowChange } from '../../../ovsdb/replica/replica';
import { parseSchema } from '../../../ovsdb/schema/schema';
import { applyColumnDiff } from '../../../ovsdb/replica/apply';
import { stringMap, setElements } from '../../../ovsdb/protocol/notation';

const schema = parseSchema(JSON.parse(readFileSync('/usr/share/openvswitch/vswitch.ovsschema', 'utf8')));
const U1 = '11111111-1111-1111-1111-111111111111';
const U2 = '22222222-2222-2222-2222-222222222222';

test('schema: column kinds of the Open_vSwitch schema', () => {
  const iface = schema.tables.get('Interface')!;
  assert.equal(iface.columns.get('name')?.kind, 'scalar');
  assert.equal(iface.columns.get('ofport')?.kind, 'optional');
  assert.equal(iface.columns.get('external_ids')?.kind, 'map');
  assert.equal(schema.tables.get('Bridge')!.columns.get('ports')?.kind, 'set');
  assert.equal(schema.tables.get('Bridge')!.columns.get('ports')?.type.key.refTable, 'Port');
});

test('update2: initial with defaults, modify of scalars, optional, sets and maps, delete; events and indexes', () => {
  const replica = new Replica(schema, {
    Interface: ['name', 'ofport', 'external_ids', 'error'],
    Bridge: ['name', 'ports', 'protocols'],
  });
  replica.createIndex('by-name', 'Interface', (r) => String(r['name']));
  replica.createIndex('by-owner', 'Interface', (r) => stringMap(r['external_ids'])['owner']);
  const events: RowChange[] = [];
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
  assert.deepEqual(
    replica.lookupOne('by-name', 'a')?.['ofport'],
    ['set', []],
    'omitted optional column defaults to empty',
  );
  assert.equal(replica.lookup('by-owner', 'x').length, 1);

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
  const row = replica.lookupOne('by-name', 'b')!;
  assert.equal(row['ofport'], 7);
  assert.deepEqual(
    stringMap(row['external_ids']),
    { owner: 'y', new: '1' },
    'same value toggles the key off, a new value replaces it',
  );
  assert.equal(replica.lookup('by-name', 'a').length, 0, 'index follows renames');
  assert.equal(replica.lookup('by-owner', 'y').length, 1);

  replica.applyUpdate2({ Interface: { [U1]: { modify: { ofport: ['set', [7, 9]] } } } });
  assert.equal(replica.lookupOne('by-name', 'b')!['ofport'], 9, 'an optional column changes by symmetric difference');

  const p1 = ['uuid', U1] as never;
  const p2 = ['uuid', U2] as never;
  replica.applyUpdate2({
    Bridge: { [U2]: { insert: { name: 'br0', ports: ['set', [p1]], protocols: 'OpenFlow13' } } },
  });
  replica.applyUpdate2({ Bridge: { [U2]: { modify: { ports: ['set', [p1, p2]] } } } });
  assert.deepEqual(setElements(replica.get('Bridge', U2 as never)!['ports']), [p2]);

  replica.applyUpdate2({ Interface: { [U1]: { delete: null } } });
  assert.equal(replica.count('Interface'), 0);
  assert.equal(replica.lookup('by-owner', 'y').length, 0);
  assert.deepEqual(
    events.map((e) => `${e.table}:${e.kind}`),
    ['Interface:insert', 'Interface:modify', 'Interface:modify', 'Bridge:insert', 'Bridge:modify', 'Interface:delete'],
  );
});

test('update (RFC 7047): whole rows replace, null new deletes', () => {
  const replica = new Replica(schema, { Port: ['name', 'tag'] });
  replica.applyUpdate({ Port: { [U1]: { new: { name: 'p', tag: 5 } } } });
  replica.applyUpdate({ Port: { [U1]: { old: { tag: 5 }, new: { name: 'p', tag: 6 } } } });
  assert.equal(replica.get('Port', U1 as never)!['tag'], 6);
  replica.applyUpdate({ Port: { [U1]: { old: { name: 'p' } } } });
  assert.equal(replica.count('Port'), 0);
});

test('set diffs: one element against a large set, strings and integers, repeated toggles', () => {
  const bridge = schema.tables.get('Bridge')!;
  const ports = Array.from(
    { length: 1000 },
    (_, i) => ['uuid', `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`] as never,
  );
  const added = ['uuid', 'ffffffff-0000-0000-0000-000000000000'] as never;
  const grown = applyColumnDiff(bridge, 'ports', ['set', ports], added);
  assert.equal(setElements(grown).length, 1001);
  assert.deepEqual(setElements(grown).at(-1), added, 'a new element is appended, the rest keep their order');
  const shrunk = applyColumnDiff(bridge, 'ports', grown, ['set', [ports[5] as never, added]]);
  assert.equal(setElements(shrunk).length, 999);
  assert.ok(
    !setElements(shrunk).some(
      (p) => JSON.stringify(p) === JSON.stringify(ports[5]) || JSON.stringify(p) === JSON.stringify(added),
    ),
  );
  // Values are never changed in place: the earlier set still answers as it was.
  assert.equal(setElements(applyColumnDiff(bridge, 'ports', grown, added)).length, 1000);
  assert.equal(setElements(applyColumnDiff(bridge, 'ports', ['set', ports], ports[0] as never)).length, 999);
  assert.equal(setElements(grown).length, 1001);
  // A one-element result collapses to the bare atom, as the notation writes it.
  assert.equal(applyColumnDiff(bridge, 'protocols', ['set', ['OpenFlow10', 'OpenFlow13']], 'OpenFlow10'), 'OpenFlow13');
  assert.deepEqual(
    applyColumnDiff(bridge, 'protocols', 'OpenFlow13', ['set', ['OpenFlow13', 'OpenFlow14', 'OpenFlow15']]),
    ['set', ['OpenFlow14', 'OpenFlow15']],
  );
  const iface = schema.tables.get('Interface')!;
  assert.deepEqual(applyColumnDiff(iface, 'ofport', ['set', []], 7), 7);
  assert.deepEqual(applyColumnDiff(iface, 'ofport', 7, 7), ['set', []], 'the same element twice toggles it off');
});
