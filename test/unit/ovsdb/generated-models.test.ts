import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateModels } from '../../../ovsdb/schema/generate';
import { parseSchema } from '../../../ovsdb/schema/schema';
import { decodeRow } from '../../../ovsdb/schema/decode';
import { asUuid } from '../../../ovsdb/protocol/notation';
import type { InterfaceRow } from '../../../ovsdb/schema/vswitch.gen';
import { SCHEMA_CKSUM, SCHEMA_VERSION } from '../../../ovsdb/schema/vswitch.gen';

const SCHEMA_PATH = '/usr/share/openvswitch/vswitch.ovsschema';
const repoRoot = join(__dirname, '..', '..', '..', '..');

test('the checked-in vswitch.gen.ts is what the generator writes for the installed schema', () => {
  const text = readFileSync(SCHEMA_PATH, 'utf8');
  const fresh = generateModels(text, SCHEMA_PATH);
  const checkedIn = readFileSync(join(repoRoot, 'ovsdb', 'schema', 'vswitch.gen.ts'), 'utf8');
  assert.equal(checkedIn, fresh, 'run `npm run gen` and commit the result');
  const schema = JSON.parse(text) as { version: string; cksum: string };
  assert.equal(SCHEMA_VERSION, schema.version);
  assert.equal(SCHEMA_CKSUM, schema.cksum);
});

test('the generator reflects column kinds and enums', () => {
  const schema = JSON.stringify({
    name: 'T',
    version: '1.0.0',
    tables: {
      Thing: {
        columns: {
          n: { type: 'integer' },
          opt: { type: { key: 'string', min: 0, max: 1 } },
          tags: { type: { key: 'string', min: 0, max: 'unlimited' } },
          kv: { type: { key: 'string', value: 'integer', min: 0, max: 'unlimited' } },
          mode: { type: { key: { type: 'string', enum: ['set', ['a', 'b']] } } },
          ref: { type: { key: { type: 'uuid', refTable: 'Thing' }, min: 0, max: 1 } },
        },
      },
    },
  });
  const out = generateModels(schema, 'inline');
  for (const line of [
    '  n: number;',
    '  opt?: string;',
    '  tags: Array<string>;',
    '  kv: Record<string, number>;',
    '  mode: "a" | "b";',
    '  ref?: Uuid;',
    'export interface ThingRow {',
  ]) {
    assert.ok(out.includes(line), `${line}\n${out}`);
  }
});

test('decodeRow turns wire values into the generated shapes', () => {
  const schema = parseSchema(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')));
  const row = decodeRow<InterfaceRow>(schema.tables.get('Interface'), {
    _uuid: ['uuid', asUuid('00000000-0000-0000-0000-000000000001')],
    name: 'veth0',
    ofport: ['set', []],
    ofport_request: 40001,
    external_ids: ['map', [['owner', 'x']]],
  });
  assert.equal(row.name, 'veth0');
  assert.equal(row.ofport, undefined);
  assert.equal(row.ofport_request, 40001);
  assert.deepEqual(row.external_ids, { owner: 'x' });
  assert.equal(row._uuid, '00000000-0000-0000-0000-000000000001');
});
