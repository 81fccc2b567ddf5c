// What allow rules' selectors match: each kind selects exactly its endpoints (with control
// cases), malformed ones are refused naming the side, and containers' labels give rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSelector, SelectorResolver } from '../../../controller/cnm/rule-selectors';
import { containerRules } from '../../../controller/cnm/container-rules';
import type { EndpointRecord } from '../../../controller/cnm/records';
import { toPipelineState } from '../../../controller/reconcile/pipeline-state';
import type { DataplaneState } from '../../../controller/reconcile/ovs-dataplane';

function endpoint(id: string, ipv4: string, extra: Partial<EndpointRecord> = {}): EndpointRecord {
  return {
    networkId: 'n1',
    endpointId: id,
    ipv4,
    mac: '02:00:00:00:00:01',
    hostIfname: `ovs${id.slice(0, 8)}`,
    containerIfname: `ovc${id.slice(0, 8)}`,
    ofport: 0,
    ...extra,
  };
}

const web = endpoint('e1'.repeat(32), '10.1.0.2/24', {
  container: { id: 'a1'.repeat(32), name: 'web', labels: { app: 'web', tier: 'front' } },
  ipv6: 'fd00:1::2/64',
});
const db = endpoint('e2'.repeat(32), '10.1.0.130/24', {
  container: { id: 'b2'.repeat(32), name: 'db', labels: { app: 'db' } },
});
const byHand = endpoint('e3'.repeat(32), '10.1.0.3/24', { containerName: 'manual' });
const resolver = new SelectorResolver([web, db, byHand]);
const ids = (text: string): string[] => resolver.select(text).map((e) => e.endpointId);

test('each kind of selector selects exactly its endpoints', () => {
  assert.deepEqual(ids(web.endpointId), [web.endpointId], 'endpoint id');
  assert.deepEqual(ids(web.endpointId.slice(0, 12)), [web.endpointId], 'endpoint id prefix of 12');
  assert.deepEqual(ids(web.endpointId.slice(0, 11)), [], 'too short a prefix');
  assert.deepEqual(ids('web'), [web.endpointId], 'container name');
  assert.deepEqual(ids('manual'), [byHand.endpointId], 'name of a port attached by hand');
  assert.deepEqual(ids('b2'.repeat(6)), [db.endpointId], 'container id prefix');
  assert.deepEqual(ids('10.1.0.130'), [db.endpointId], 'address');
  assert.deepEqual(ids('fd00:1:0::2'), [web.endpointId], 'IPv6 address, however written');
  assert.deepEqual(ids('10.1.0.0/25'), [web.endpointId, byHand.endpointId], 'CIDR');
  assert.deepEqual(ids('label:app=web'), [web.endpointId], 'label');
  assert.deepEqual(ids('label:app=we'), [], 'label with another value');
  assert.deepEqual(ids('nobody'), [], 'a name nobody has');
});

test('malformed selectors are refused, naming the side', () => {
  assert.throws(() => parseSelector('a b', 'rule "from"'), /rule "from" must be an endpoint id/);
  assert.throws(() => parseSelector('10.1.0.300', 'rule "to"'), /rule "to" "10.1.0.300" is not a valid/);
  assert.throws(() => parseSelector('label:app', 'rule "to"'), /label:KEY=VALUE/);
  assert.equal(parseSelector('label:com.example/app=web', 'x').kind, 'label');
});

test("a container's ovsnet.allow-from and ovsnet.allow-ports labels give stateful rules to it", () => {
  const api = endpoint('e4'.repeat(32), '10.1.0.4/24', {
    container: {
      id: 'c3'.repeat(32),
      name: 'api',
      labels: { 'ovsnet.allow-from': 'label:app=web,10.1.0.3', 'ovsnet.allow-ports': 'tcp/80,icmp' },
    },
  });
  const rules = containerRules([web, api]);
  assert.deepEqual(
    rules.map((r) => [r.from, r.to === api.endpointId, r.proto, r.port]),
    [
      ['label:app=web', true, 'tcp', 80],
      ['label:app=web', true, 'icmp', undefined],
      ['10.1.0.3', true, 'tcp', 80],
      ['10.1.0.3', true, 'icmp', undefined],
    ],
  );
  assert.ok(rules.every((r) => r.id.startsWith('label-') && r.stateless === undefined));
  const typo = {
    ...api,
    container: { ...api.container!, labels: { 'ovsnet.allow-from': 'web', 'ovsnet.allow-ports': 'tcp/http' } },
  };
  assert.deepEqual(containerRules([typo]), [], 'a port that does not parse gives no rule, not an any-port one');
});

test('the pipeline gets stateful rules unless stored stateless, selecting by label and CIDR', () => {
  const state: DataplaneState = {
    networks: [{ id: 'n1', tag: 7, icc: false, internal: false, ipv4: [{ pool: '10.1.0.0/24' }], ipv6: [] } as never],
    endpoints: [
      { ...web, realisedOfport: 40001 },
      { ...db, realisedOfport: 40002 },
      { ...byHand, realisedOfport: 40003 },
    ],
    gateways: new Map(),
    rules: [
      { id: 'aaaaaaaaaaaa', networkId: 'n1', from: 'label:app=web', to: '10.1.0.128/25', proto: 'tcp', port: 5432 },
      { id: 'bbbbbbbbbbbb', networkId: 'n1', from: 'manual', to: 'db', stateless: true },
      { id: 'cccccccccccc', networkId: 'n1', from: 'nobody', to: 'db' },
    ],
  };
  const rules = toPipelineState(state).rules;
  assert.deepEqual(rules, [
    { id: 1, networkTag: 7, from: [40001], to: [40002], proto: 'tcp', port: 5432, stateful: true },
    { id: 2, networkTag: 7, from: [40003], to: [40002] },
  ]);
});
