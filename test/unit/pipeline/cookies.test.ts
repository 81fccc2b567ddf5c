// The promise of cookies.ts, checked over a large state whose ids collide under the old
// layout: every cookie names one object, and selecting flows by an object's cookie and
// mask (as OVS does for dump-flows and delete) returns exactly the flows that exist for it.
// The state is one host of a cluster, so remote hosts and endpoints are objects too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPipeline, endpointFlows, remoteEndpointFlows } from '../../../flows/pipeline/build';
import {
  allowRuleObject,
  cookieSelects,
  endpointObject,
  gatewayObject,
  networkObject,
  objectSelector,
  parseCookie,
  remoteEndpointObject,
  remoteHostObject,
  type FlowObject,
} from '../../../flows/pipeline/cookies';
import { resolveRemoteEndpoints } from '../../../flows/pipeline/overlay';
import type { PipelineState } from '../../../flows/pipeline/model';
import type { FlowSpec } from '../../../flows/pipeline/spec';
import { DEAD_HOST, generatedOverlayState, HOST_IDS, TAGS } from './generated-state';

const state = generatedOverlayState();
const flows = buildPipeline(state);

const objectName = (o: FlowObject): string => `${o.kind} ${o.id}`;

function objectsOf(s: PipelineState): FlowObject[] {
  return [
    ...s.networks.map((n) => networkObject(n.tag)),
    ...s.networks.flatMap((n) => (n.gateway ? [gatewayObject(n.gateway.ofport)] : [])),
    ...s.endpoints.map((e) => endpointObject(e.ofport)),
    ...s.rules.map((r) => allowRuleObject(r.id)),
    ...(s.remoteHosts ?? []).map((h) => remoteHostObject(h.id)),
    ...(s.remoteEndpoints ?? []).map((e) => remoteEndpointObject(e.id)),
  ];
}

/** Objects that have flows: a dead host and its endpoints have none. */
const live = (o: FlowObject): boolean =>
  !(o.kind === 'remote_host' && o.id === DEAD_HOST) &&
  !(o.kind === 'remote_endpoint' && state.remoteEndpoints?.find((e) => e.id === o.id)?.host === DEAD_HOST);

/** A flow as OVS would hold it, cookie included. */
const content = (f: FlowSpec): string =>
  JSON.stringify([f.table, f.priority, f.cookie.toString(16), f.match, f.actions, f.goto ?? null], (_k, v: unknown) =>
    typeof v === 'bigint' ? v.toString() : v,
  );

const selected = (object: FlowObject): FlowSpec[] =>
  flows.filter((f) => cookieSelects(objectSelector(object), f.cookie));

/** The state without the object, and the objects that go with it (a network's members). */
function without(object: FlowObject): { state: PipelineState; alsoGone: FlowObject[] } {
  const s = structuredClone(state);
  switch (object.kind) {
    case 'endpoint':
      s.endpoints = s.endpoints.filter((e) => e.ofport !== object.id);
      return { state: s, alsoGone: [] };
    case 'gateway':
      for (const n of s.networks) if (n.gateway?.ofport === object.id) delete n.gateway;
      return { state: s, alsoGone: [] };
    case 'allow_rule':
      s.rules = s.rules.filter((r) => r.id !== object.id);
      return { state: s, alsoGone: [] };
    case 'remote_endpoint':
      s.remoteEndpoints = s.remoteEndpoints?.filter((e) => e.id !== object.id) ?? [];
      return { state: s, alsoGone: [] };
    case 'remote_host': {
      const gone = (s.remoteEndpoints ?? []).filter((e) => e.host === object.id);
      s.remoteHosts = s.remoteHosts?.filter((h) => h.id !== object.id) ?? [];
      s.remoteEndpoints = s.remoteEndpoints?.filter((e) => e.host !== object.id) ?? [];
      return { state: s, alsoGone: gone.map((e) => remoteEndpointObject(e.id)) };
    }
    case 'network': {
      const gone: PipelineState = {
        networks: s.networks.filter((n) => n.tag === object.id),
        endpoints: s.endpoints.filter((e) => e.networkTag === object.id),
        rules: s.rules.filter((r) => r.networkTag === object.id),
        remoteEndpoints: s.remoteEndpoints?.filter((e) => e.networkTag === object.id) ?? [],
      };
      s.networks = s.networks.filter((n) => n.tag !== object.id);
      s.endpoints = s.endpoints.filter((e) => e.networkTag !== object.id);
      s.rules = s.rules.filter((r) => r.networkTag !== object.id);
      s.remoteEndpoints = s.remoteEndpoints?.filter((e) => e.networkTag !== object.id) ?? [];
      return { state: s, alsoGone: objectsOf(gone).filter((o) => o.kind !== 'network') };
    }
    case 'table_wide':
    case 'shared':
      throw new Error(`no ${object.kind} objects in a state`);
  }
}

/**
 * The objects that contain this one: their flows may list this one's port, or (networks
 * of a host) send a copy of each broadcast to its host.
 */
function containers(object: FlowObject): FlowObject[] {
  const tags = ((): number[] => {
    switch (object.kind) {
      case 'endpoint':
        return state.endpoints.filter((e) => e.ofport === object.id).map((e) => e.networkTag);
      case 'gateway':
        return state.networks.filter((n) => n.gateway?.ofport === object.id).map((n) => n.tag);
      case 'remote_endpoint':
        return (state.remoteEndpoints ?? []).filter((e) => e.id === object.id).map((e) => e.networkTag);
      case 'remote_host':
        return (state.remoteEndpoints ?? []).filter((e) => e.host === object.id).map((e) => e.networkTag);
      case 'allow_rule':
      case 'network':
      case 'shared':
      case 'table_wide':
        return [];
    }
  })();
  return [...new Set(tags)].map(networkObject);
}

test('the generated state collides under the old layout: tags, tag << 8, rule ids and ports share values', () => {
  const ruleIds = new Set(state.rules.map((r) => r.id));
  const ports = new Set([
    ...state.endpoints.map((e) => e.ofport),
    ...state.networks.flatMap((n) => (n.gateway ? [n.gateway.ofport] : [])),
  ]);
  assert.ok(
    TAGS.some((tag) => ruleIds.has(tag << 8)),
    'a rule id equals a network tag << 8',
  );
  assert.ok(
    TAGS.some((tag) => ports.has(tag)),
    'a network tag equals a port',
  );
  assert.ok(
    state.networks.some((n) => n.gateway && ruleIds.has(n.gateway.ofport)),
    'a gateway port equals a rule id',
  );
  assert.ok(
    state.endpoints.some((e) => ruleIds.has(e.ofport)),
    'an endpoint port equals a rule id',
  );
  assert.ok(
    state.remoteEndpoints?.some((e) => ports.has(e.id) && ruleIds.has(e.id)),
    'a remote endpoint id equals a port and a rule id',
  );
  assert.ok(
    HOST_IDS.every((id) => TAGS.includes(id)),
    'host ids equal network tags',
  );
  assert.ok(flows.length > 4000, `${flows.length} flows`);
});

test('every cookie names one object of the state, the table, or a clause several rules share', () => {
  const known = new Set(objectsOf(state).map(objectName));
  const ruleOfConjunction = (id: number): number => Math.floor(id / 2);
  let shared = 0;
  for (const flow of flows) {
    const parsed = parseCookie(flow.cookie);
    assert.ok(parsed, `${flow.reason}: an ovsnet cookie`);
    const { object } = parsed;
    const rules = new Set(flow.actions.flatMap((a) => (a.type === 'conjunction' ? [ruleOfConjunction(a.id)] : [])));
    if (object.kind === 'table_wide') assert.equal(object.id, 0, flow.reason);
    else if (object.kind === 'shared') {
      shared++;
      assert.ok(rules.size > 1, `${flow.reason}: shared by several rules`);
    } else {
      assert.ok(known.has(objectName(object)), `${flow.reason}: ${objectName(object)} is in the state`);
      assert.ok(rules.size <= 1, `${flow.reason}: a clause of several rules is not one rule's`);
    }
    if (object.kind === 'allow_rule') {
      const conjId = flow.match.find((m) => m.field === 'conj_id');
      const rule = conjId ? ruleOfConjunction(Number(conjId.value)) : [...rules][0];
      assert.equal(rule, object.id, `${flow.reason}: a clause or the verdict of rule ${object.id}`);
    }
  }
  assert.ok(shared > 0, 'the state has clauses that several rules share');
});

test('no two objects share a selector', () => {
  const seen = new Map<bigint, string>();
  for (const object of objectsOf(state)) {
    const { cookie } = objectSelector(object);
    assert.equal(seen.get(cookie), undefined, `${objectName(object)} and ${seen.get(cookie)} share a cookie`);
    seen.set(cookie, objectName(object));
  }
});

test("an endpoint's cookie selects exactly the flows built for that endpoint", () => {
  for (const ep of state.endpoints) {
    assert.deepEqual(
      selected(endpointObject(ep.ofport)).map(content).sort(),
      endpointFlows(ep).map(content).sort(),
      `endpoint ${ep.ofport}`,
    );
  }
  const remote = resolveRemoteEndpoints(state);
  assert.ok(remote.length > 100, `${remote.length} remote endpoints of live hosts`);
  for (const ep of remote) {
    assert.deepEqual(
      selected(remoteEndpointObject(ep.id)).map(content).sort(),
      remoteEndpointFlows(ep).map(content).sort(),
      `remote endpoint ${ep.id}`,
    );
  }
  for (const ep of state.remoteEndpoints?.filter((e) => e.host === DEAD_HOST) ?? [])
    assert.deepEqual(selected(remoteEndpointObject(ep.id)), [], `remote endpoint ${ep.id} of a dead host`);
  assert.deepEqual(selected(remoteHostObject(DEAD_HOST)), [], 'the dead host');
});

test("an object's cookie selects the flows that go when it goes, and only flows of its container stay unselected", () => {
  const all = objectsOf(state).filter(live);
  // Every network, gateway and host, and a spread of endpoints and rules (each case rebuilds the pipeline).
  const sample = all.filter(
    (o, i) => o.kind === 'network' || o.kind === 'gateway' || o.kind === 'remote_host' || i % 9 === 0,
  );
  for (const object of sample) {
    const mine = selected(object);
    assert.ok(mine.length > 0, `${objectName(object)} has flows`);
    const { state: rest, alsoGone } = without(object);
    const remaining = new Set(buildPipeline(rest).map(content));
    const vanished = flows.filter((f) => !remaining.has(content(f)));
    const vanishedKeys = new Set(vanished.map(content));
    for (const f of mine) assert.ok(vanishedKeys.has(content(f)), `${objectName(object)}: ${f.reason} goes with it`);
    const mineKeys = new Set(mine.map(content));
    const related = new Set([...containers(object), ...alsoGone].map(objectName));
    for (const f of vanished) {
      if (mineKeys.has(content(f))) continue;
      const owner = parseCookie(f.cookie)?.object;
      const ok = owner !== undefined && (owner.kind === 'shared' || related.has(objectName(owner)));
      assert.ok(ok, `${objectName(object)}: ${f.reason} went with it but is tagged ${owner ? objectName(owner) : '?'}`);
    }
  }
});
