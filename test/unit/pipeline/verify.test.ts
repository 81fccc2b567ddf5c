// Every table declares the fields it matches and writes and its priority bands; a flow
// that strays from its table's declaration is refused before it reaches a switch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPipeline } from '../../../flows/pipeline/build';
import { cookie, TABLE_WIDE } from '../../../flows/pipeline/cookies';
import { Priority } from '../../../flows/pipeline/priorities';
import {
  DESTINATION_KIND,
  NETWORK_TAG,
  OUTPUT_PORT,
  REGISTER_FIELDS,
  SOURCE_KIND,
  fieldMatch,
  loadField,
} from '../../../flows/pipeline/registers';
import { toFlowMod, type FlowSpec } from '../../../flows/pipeline/spec';
import { TABLES, tableNumber } from '../../../flows/pipeline/tables';
import { flowProblems } from '../../../flows/pipeline/verify';
import { fieldDef } from '../../../flows/ofp/fields';
import { generatedOverlayState } from './generated-state';
import { FLOOD_SLICE } from '../../../flows/pipeline/features/output';
import type { PipelineState } from '../../../flows/pipeline/model';

test('every flow of a large state (one host of a cluster) holds to its table: bands, fields matched and written, next tables', () => {
  const flows = buildPipeline(generatedOverlayState());
  const tables = new Set(flows.map((f) => f.table));
  assert.equal(tables.size, TABLES.size, 'the state reaches every table');
  for (const flow of flows) assert.deepEqual(flowProblems(flow), [], flow.reason);
});

test('declarations name fields the codec knows, registers from the register map, and bands from the top', () => {
  for (const table of TABLES.values()) {
    for (const ref of [...table.matches, ...table.sets]) {
      if (typeof ref === 'string') assert.ok(fieldDef(ref), `${table.name}: ${ref} is an OXM field`);
      else assert.ok(REGISTER_FIELDS.includes(ref), `${table.name}: ${ref.name} is in registers.ts`);
    }
    const bands = Object.values(Priority[table.name]) as number[];
    bands
      .slice(1)
      .forEach((band, i) =>
        assert.ok(band < (bands[i] as number), `${table.name}: bands are listed from the top, each below the last`),
      );
  }
});

/** One network too large to flood in one flow, so output's flood_chunk is written too. */
function oneLargeNetwork(): PipelineState {
  return {
    networks: [{ tag: 9, icc: true, internal: false, subnets: ['10.9.0.0/16'] }],
    endpoints: Array.from({ length: FLOOD_SLICE + 1 }, (_, i) => ({
      ofport: i + 1,
      networkTag: 9,
      mac: `02:00:00:09:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`,
    })),
    rules: [],
  };
}

test('declarations are tight: every band and field a table declares is used by one of its flows', () => {
  const flows = [...buildPipeline(generatedOverlayState()), ...buildPipeline(oneLargeNetwork())];
  const bitsOf = (ofs: number, n: number): number => (n >= 32 ? 0xffffffff : ((2 ** n - 1) * 2 ** ofs) >>> 0);
  /** The declared names a match or write touches: register fields by their bits. */
  const touched = (field: string, bits: number): string[] => {
    const registers = REGISTER_FIELDS.filter((r) => r.register === field);
    if (registers.length === 0) return [field];
    return registers.filter((r) => (bitsOf(r.ofs, r.bits) & bits) !== 0).map((r) => r.name);
  };
  const refName = (ref: string | { name: string }): string => (typeof ref === 'string' ? ref : ref.name);
  for (const table of TABLES.values()) {
    const matched = new Set<string>();
    const written = new Set<string>();
    for (const f of flows.filter((flow) => flow.table === table.name)) {
      for (const m of f.match)
        touched(m.field, m.mask === undefined ? 0xffffffff : Number(m.mask)).forEach((n) => matched.add(n));
      for (const a of f.actions) {
        if (a.type === 'load') touched(a.field, bitsOf(a.ofs ?? 0, a.nBits ?? 32)).forEach((n) => written.add(n));
        if (a.type === 'set_field') written.add(a.field);
        if (a.type === 'move') written.add(a.dst);
      }
    }
    const used = new Set(flows.filter((f) => f.table === table.name).map((f) => f.priority));
    for (const [band, priority] of Object.entries(Priority[table.name]))
      assert.ok(used.has(priority), `${table.name} has a flow in band ${band}`);
    for (const ref of table.matches) assert.ok(matched.has(refName(ref)), `${table.name} matches ${refName(ref)}`);
    for (const ref of table.sets) assert.ok(written.has(refName(ref)), `${table.name} writes ${refName(ref)}`);
  }
});

const good: FlowSpec = {
  table: 'l2_lookup',
  priority: Priority.l2_lookup.known_mac,
  cookie: cookie('l2', TABLE_WIDE),
  match: [fieldMatch(NETWORK_TAG, 1), { field: 'eth_dst', value: '02:00:00:00:00:01' }],
  actions: [loadField(OUTPUT_PORT, 5), loadField(DESTINATION_KIND, 1)],
  goto: 'policy',
  reason: 'a well-formed l2_lookup flow',
};

test('a well-formed flow passes', () => {
  assert.deepEqual(flowProblems(good), []);
  assert.doesNotThrow(() => toFlowMod(good));
});

const broken: Array<[string, Partial<FlowSpec>, RegExp]> = [
  ['a priority that is no band of the table', { priority: 77 }, /priority 77 is not a band of l2_lookup/],
  ['a match on an undeclared field', { match: [...good.match, { field: 'tcp_dst', value: 80 }] }, /match on tcp_dst/],
  [
    'a register match reaching into an undeclared field of the same register',
    { match: [fieldMatch(SOURCE_KIND, 1)] },
    /match on reg0/,
  ],
  ['a write to an undeclared register field', { actions: [loadField(SOURCE_KIND, 1)] }, /write reg0/],
  [
    'a set_field on an undeclared field',
    { actions: [{ type: 'set_field', field: 'eth_src', value: '02:00:00:00:00:09' }] },
    /write eth_src/,
  ],
  ['a goto to a table that is not next', { goto: 'output' }, /may not go to output/],
  [
    'a resubmit to an undeclared table',
    { actions: [{ type: 'resubmit', table: tableNumber('classify') }] },
    /may not resubmit to table 0/,
  ],
  [
    'a trip through the connection tracker back into an undeclared table',
    { actions: [{ type: 'ct', zone: 1, table: tableNumber('classify') }] },
    /connection tracker to table 0/,
  ],
  ["a cookie that is not ovsnet's", { cookie: 0x1234n }, /not an ovsnet cookie/],
];

for (const [what, change, problem] of broken) {
  test(`refused: ${what}`, () => {
    const flow = { ...good, ...change };
    assert.match(flowProblems(flow).join('; '), problem);
    assert.throws(
      () => toFlowMod(flow),
      (e: Error) => problem.test(e.message) && e.message.includes(flow.reason),
    );
  });
}
