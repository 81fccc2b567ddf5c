import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPipeline } from '../../../flows/pipeline/build';
import { toFlowMod, combineRegisterMatches } from '../../../flows/pipeline/spec';
import { TABLES, tableNumber } from '../../../flows/pipeline/tables';
import { REGISTER_FIELDS } from '../../../flows/pipeline/registers';
import {
  allowRuleObject,
  cookie,
  isOvsnetCookie,
  parseCookie,
  FEATURE_MASK,
  ID_MASK,
  KIND_MASK,
  OBJECT_MASK,
  MARK_MASK,
} from '../../../flows/pipeline/cookies';
import type { PipelineState } from '../../../flows/pipeline/model';
import { encodeMessage } from '../../../flows/ofp/encode';
import { Priority } from '../../../flows/pipeline/priorities';

function state(n: number, icc = true): PipelineState {
  return {
    networks: [
      { tag: 1, icc, internal: false, subnets: ['10.0.0.0/16'], gateway: { ofport: 40000, mac: '02:0e:00:00:00:01' } },
    ],
    endpoints: Array.from({ length: n }, (_, i) => ({
      ofport: 32768 + i,
      networkTag: 1,
      mac: `02:00:00:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`,
      ipv4: `10.0.${i >> 8}.${(i & 255) + 2}`,
    })),
    rules: [],
  };
}

test('flows per endpoint are constant: at most 8, the same for 10 and 1000 endpoints', () => {
  const base = buildPipeline(state(0)).length;
  const per10 = (buildPipeline(state(10)).length - base) / 10;
  const per1000 = (buildPipeline(state(1000)).length - base) / 1000;
  assert.equal(per10, per1000);
  assert.ok(per1000 <= 8, `${per1000} flows per endpoint`);
});

test('allow rules grow linearly (conjunctions), not with the product of their sides', () => {
  const s = state(200, false);
  const before = buildPipeline(s).length;
  s.rules = [
    {
      id: 1,
      networkTag: 1,
      from: s.endpoints.slice(0, 100).map((e) => e.ofport),
      to: s.endpoints.slice(100).map((e) => e.ofport),
      proto: 'tcp',
      port: 80,
    },
  ];
  const added = buildPipeline(s).length - before;
  assert.ok(added <= 2 * (200 + 2), `a 100 x 100 rule added ${added} flows`);
});

test('every flow encodes, goes only to a declared next table, and carries an ovsnet cookie and a reason', () => {
  const s = state(5, false);
  s.networks.push({
    tag: 2,
    icc: true,
    internal: true,
    subnets: ['10.9.0.0/24', 'fd00:9::/64'],
    gateway: { ofport: 40001, mac: '02:0e:00:00:00:02' },
  });
  s.endpoints.push({ ofport: 50000, networkTag: 2, mac: '02:00:00:09:00:02', ipv4: '10.9.0.2', ipv6: 'fd00:9::2' });
  s.rules = [
    { id: 1, networkTag: 1, from: [32768], to: [32769], proto: 'icmp' },
    { id: 2, networkTag: 1, from: [32768], to: [32770] },
  ];
  for (const spec of buildPipeline(s)) {
    assert.ok(spec.reason.length > 0);
    assert.ok(isOvsnetCookie(spec.cookie));
    const fm = toFlowMod(spec);
    encodeMessage({ type: 'flow_mod', xid: 1, ...fm });
    const goto = fm.instructions.find((i) => i.type === 'goto_table');
    if (goto && goto.type === 'goto_table')
      assert.ok(goto.table > tableNumber(spec.table), `${spec.reason}: goes forward`);
  }
});

test('register fields do not overlap; tables are numbered in declaration order', () => {
  const used = new Map<string, string>();
  for (const f of REGISTER_FIELDS) {
    for (let bit = f.ofs; bit < f.ofs + f.bits; bit++) {
      const key = `${f.register}:${bit}`;
      assert.equal(used.get(key), undefined, `${f.name} overlaps ${used.get(key)} at ${key}`);
      used.set(key, f.name);
    }
  }
  [...TABLES.values()].forEach((t, i) => {
    assert.equal(t.number, i);
    for (const next of t.next) assert.ok(TABLES.get(next)!.number > t.number, `${t.name} -> ${next} goes forward`);
  });
});

test('cookie layout: mark, feature, kind and id fields are disjoint and recoverable', () => {
  const fields = [MARK_MASK, FEATURE_MASK, KIND_MASK, ID_MASK];
  for (const [i, a] of fields.entries()) for (const b of fields.slice(i + 1)) assert.equal(a & b, 0n);
  assert.equal(OBJECT_MASK, KIND_MASK | ID_MASK);
  const c = cookie('l2', allowRuleObject(0xdeadbeef));
  assert.deepEqual(parseCookie(c), { feature: 'l2', object: { kind: 'allow_rule', id: 0xdeadbeef } });
  assert.ok(isOvsnetCookie(c));
  assert.ok(!isOvsnetCookie(0x1234n));
  assert.equal(parseCookie(0x1234n), undefined);
  assert.throws(() => cookie('l2', allowRuleObject(2 ** 32)), RangeError);
});

test('sub-fields of one register are combined into one masked match', () => {
  assert.deepEqual(
    combineRegisterMatches([
      { field: 'reg0', value: 1, mask: 0xffff },
      { field: 'reg0', value: 0x30000, mask: 0xf0000 },
      { field: 'in_port', value: 3 },
    ]),
    [
      { field: 'reg0', value: 0x30001, mask: 0xfffff },
      { field: 'in_port', value: 3 },
    ],
  );
  // Together covering the whole register: an exact match, as the switch reads it back.
  assert.deepEqual(
    combineRegisterMatches([
      { field: 'reg0', value: 1, mask: 0xffff },
      { field: 'reg0', value: 0x340000, mask: 0xffff0000 },
    ]),
    [{ field: 'reg0', value: 0x340001 }],
  );
  assert.throws(
    () =>
      combineRegisterMatches([
        { field: 'reg0', value: 1, mask: 0xff },
        { field: 'reg0', value: 2, mask: 0xff },
      ]),
    /overlapping/,
  );
});

test('a network of 4096 endpoints floods in slices that each fit an OpenFlow message, covering every port once', () => {
  for (const icc of [true, false]) {
    const s = state(4096, icc);
    const flood = buildPipeline(s)
      .filter(
        (f) => f.table === 'output' && f.priority === (icc ? Priority.output.flood : Priority.output.gateway_flood),
      )
      .map(toFlowMod);
    assert.ok(flood.length > 1, 'more than one slice');
    const outputs: number[] = [];
    flood.forEach((flow, i) => {
      assert.ok(encodeMessage({ type: 'flow_mod', ...flow } as never).length <= 65535, `slice ${i} fits in 64 KiB`);
      const actions = flow.instructions.flatMap((ins) => ('actions' in ins ? ins.actions : []));
      for (const a of actions) if (a.type === 'output') outputs.push(a.port as number);
      const resubmits = actions.filter((a) => a.type === 'resubmit');
      assert.equal(resubmits.length, i < flood.length - 1 ? 1 : 0, 'every slice but the last continues with the next');
    });
    const expected = s.endpoints.map((e) => e.ofport).concat(icc ? [40000] : []);
    assert.deepEqual(
      [...outputs].sort((a, b) => a - b),
      [...expected].sort((a, b) => a - b),
    );
  }
});

test('no two flows share table, priority and match unless they are merged conjunction clauses', () => {
  const s = state(300, false);
  s.rules = [
    { id: 1, networkTag: 1, from: [32768, 32769], to: [32770], proto: 'tcp', port: 80 },
    { id: 2, networkTag: 1, from: [32768], to: [32770, 32771] },
  ];
  const seen = new Set<string>();
  for (const flow of buildPipeline(s).map(toFlowMod)) {
    const key = `${flow.tableId}|${flow.priority}|${JSON.stringify(flow.match.map((m) => [m.field, String(m.value), String(m.mask ?? '')]).sort())}`;
    assert.ok(!seen.has(key), `two flows with one match: ${key}`);
    seen.add(key);
  }
});
