// Reusing an endpoint's flows between passes must never change the result: after any
// sequence of changes the cached table equals one computed from scratch. A table another
// ovsnet version installed (other cookies) is brought to the desired one in one pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DesiredFlows, identity, keyed, type Keyed } from '../../../controller/reconcile/desired-flows';
import { diffChanges, diffFlows, type FlowDiff } from '../../../controller/reconcile/flow-sync';
import { FEATURE_MASK, MARK_MASK, isOvsnetCookie, parseCookie } from '../../../flows/pipeline/cookies';
import type { FlowMod } from '../../../flows/ofp/types';
import { generatedOverlayState, generatedState } from '../pipeline/generated-state';
import { buildPipeline } from '../../../flows/pipeline/build';
import { toFlowMod } from '../../../flows/pipeline/spec';
import type { PipelineEndpoint, PipelineState } from '../../../flows/pipeline/model';

function endpoint(i: number, tag = 1): PipelineEndpoint {
  return {
    ofport: 32768 + i,
    networkTag: tag,
    mac: `02:00:00:00:00:${i.toString(16).padStart(2, '0')}`,
    ipv4: `10.0.${tag}.${i + 2}`,
  };
}

/** Another remote endpoint arrives, on the last one's host and network. */
function remoteArrives(s: PipelineState, id: number, mac: string, ipv4: string): void {
  const last = s.remoteEndpoints?.[s.remoteEndpoints.length - 1];
  if (last) s.remoteEndpoints?.push({ ...last, id, mac, ipv4 });
}

/** The first remote host's tunnel address changes. */
function firstHostMoves(s: PipelineState, tunnelIp: string): void {
  const host = s.remoteHosts?.[0];
  if (host) s.remoteHosts = [{ ...host, tunnelIp }, ...(s.remoteHosts ?? []).slice(1)];
}

function table(keyedFlows: Keyed): string[] {
  return [...keyedFlows].map(([key, value]) => `${key} => ${value.content}`).sort();
}

test('the cached desired table always equals a fresh one', () => {
  const cached = new DesiredFlows();
  const state: PipelineState = {
    networks: [
      {
        tag: 1,
        icc: true,
        internal: false,
        subnets: ['10.0.1.0/24'],
        gateway: { ofport: 40001, mac: '02:0e:00:00:00:01' },
        gatewayAddresses: ['10.0.1.1'],
      },
      {
        tag: 2,
        icc: false,
        internal: false,
        subnets: ['10.0.2.0/24'],
        gateway: { ofport: 40002, mac: '02:0e:00:00:00:02' },
        gatewayAddresses: ['10.0.2.1'],
      },
    ],
    endpoints: Array.from({ length: 20 }, (_, i) => endpoint(i)),
    rules: [],
  };
  const steps: Array<(s: PipelineState) => void> = [
    () => undefined,
    (s) => {
      s.endpoints[3] = { ...(s.endpoints[3] as PipelineEndpoint), ipv4: '10.0.1.200' };
    },
    (s) => {
      s.endpoints[4] = { ...(s.endpoints[4] as PipelineEndpoint), networkTag: 2 };
    },
    (s) => {
      s.endpoints.splice(5, 1);
    },
    (s) => {
      s.endpoints.push({ ...endpoint(50), ipv6: 'fd00::50' });
    },
    (s) => {
      s.rules = [{ id: 1, networkTag: 2, from: [32772], to: [32768 + 50], proto: 'tcp', port: 80 }];
    },
    (s) => {
      (s.networks[1] as { icc: boolean }).icc = true;
    },
  ];
  for (const [i, step] of steps.entries()) {
    step(state);
    const snapshot = JSON.parse(JSON.stringify(state)) as PipelineState;
    assert.deepEqual(
      table(cached.update(snapshot).want),
      table(new DesiredFlows().update(snapshot).want),
      `after step ${i}`,
    );
  }
  const ip = [...cached.update(state).want.keys()].filter((k) => k.includes('10.0.1.200'));
  assert.ok(ip.length > 0, 'the changed address is in the table');
});

test("in a cluster, reusing remote endpoints' flows gives the table built from scratch, through remote changes", () => {
  const cached = new DesiredFlows();
  const state = generatedOverlayState();
  const remote = (): NonNullable<PipelineState['remoteEndpoints']> => state.remoteEndpoints ?? [];
  assert.ok(remote().length > 10, 'the state has remote endpoints');
  const steps: Array<(s: PipelineState) => void> = [
    () => undefined,
    // A remote container moves to another address, one leaves, one arrives.
    () => {
      const first = remote()[0];
      if (first) remote()[0] = { ...first, ipv4: '10.0.9.250' };
    },
    () => {
      remote().splice(3, 1);
    },
    (s) => remoteArrives(s, 9999, '02:01:0f:0f:0f:0f', '10.0.9.251'),
    // A host's tunnel address changes and another host dies: all their endpoints' flows change or go.
    (s) => firstHostMoves(s, '192.0.2.200'),
    (s) => {
      s.remoteHosts = (s.remoteHosts ?? []).map((h, i) => (i === 1 ? { ...h, alive: false } : h));
    },
    // A network's VNI changes.
    (s) => {
      const net = s.networks.find((n) => n.vni !== undefined);
      if (net) net.vni = 7777;
    },
  ];
  for (const [i, step] of steps.entries()) {
    step(state);
    const snapshot = JSON.parse(JSON.stringify(state)) as PipelineState;
    const fresh = keyed(buildPipeline(snapshot).map(toFlowMod));
    assert.deepEqual(table(cached.update(snapshot).want), table(fresh), `after step ${i}`);
  }
  const moved = [...cached.update(state).want.keys()].filter((k) => k.includes('192.0.2.200'));
  assert.ok(moved.length > 0, "the moved host's tunnel address is in the table");
});

test('flows an older ovsnet installed with the cookie layout before object kinds are replaced on the first pass', () => {
  const state = generatedState();
  const want = new DesiredFlows().update(state).want;
  // The old layout: | mark | feature | 32-bit object id | 16 reserved |, without a kind.
  const oldCookie = (cookie: bigint): bigint =>
    (cookie & (MARK_MASK | FEATURE_MASK)) | (BigInt(parseCookie(cookie)?.object.id ?? 0) << 16n);
  const installed = [...want.values()].map(({ flow }) => ({
    ...(flow as FlowMod),
    cookie: oldCookie((flow as FlowMod).cookie ?? 0n),
  }));
  assert.ok(
    installed.every((f) => isOvsnetCookie(f.cookie)),
    'the mark still says ovsnet',
  );
  const changed = installed.filter((f, i) => f.cookie !== ([...want.values()][i]?.flow as FlowMod).cookie);
  assert.ok(changed.length > 0 && changed.length < installed.length, 'only table-wide flows keep their cookie');

  const diff = diffFlows(want, keyed(installed));
  assert.equal(diff.remove.length, changed.length, 'every flow with an old cookie goes');
  assert.equal(diff.add.length, changed.length, 'and comes back with its new cookie');
  assert.deepEqual(diff.remove.map((f) => identity(f)).sort(), changed.map((f) => identity(f)).sort());
  const after = keyed(installed);
  for (const f of diff.remove) after.delete(identity(f));
  for (const [key, entry] of keyed(diff.add)) after.set(key, entry);
  const again = diffFlows(want, after);
  assert.deepEqual([again.add.length, again.remove.length], [0, 0], 'one pass is enough');
});

/** Applies a diff to a copy of the table the switch held, as the switch would. */
function applied(held: Keyed, diff: FlowDiff): Keyed {
  const after = new Map(held);
  for (const f of diff.remove) after.delete(identity(f));
  for (const [key, entry] of keyed(diff.add)) after.set(key, entry);
  return after;
}

test('the changes a call reports turn the table the switch held into the new one, without comparing it whole', () => {
  const desired = new DesiredFlows();
  const state = generatedOverlayState();
  const remote = (): NonNullable<PipelineState['remoteEndpoints']> => state.remoteEndpoints ?? [];
  const steps: Array<(s: PipelineState) => void> = [
    (s) => s.endpoints.push(endpoint(70, s.networks[0]?.tag)),
    (s) => s.endpoints.splice(0, 1),
    (s) => {
      const first = s.endpoints[0];
      if (first) s.endpoints[0] = { ...first, ipv4: '10.0.9.240' };
    },
    // Two of a live host's endpoints leave.
    (s) => {
      const live = new Set((s.remoteHosts ?? []).filter((h) => h.alive).map((h) => h.id));
      remote().splice(
        remote().findIndex((e) => live.has(e.host)),
        2,
      );
    },
    (s) => remoteArrives(s, 9998, '02:01:0f:0f:0f:0e', '10.0.9.252'),
    (s) => firstHostMoves(s, '192.0.2.201'),
    () => undefined,
  ];
  let held = new Map(desired.update(JSON.parse(JSON.stringify(state)) as PipelineState).want);
  for (const [i, step] of steps.entries()) {
    step(state);
    const snapshot = JSON.parse(JSON.stringify(state)) as PipelineState;
    const { want, changes } = desired.update(snapshot);
    assert.ok(changes, `after step ${i} the table was changed in place`);
    const fresh = keyed(buildPipeline(snapshot).map(toFlowMod));
    assert.deepEqual(table(want), table(fresh), `after step ${i} the table is the one built from scratch`);
    const diff = diffChanges(changes);
    assert.deepEqual(table(applied(held, diff)), table(fresh), `after step ${i} the changes bring the switch there`);
    const whole = diffFlows(want, held);
    assert.deepEqual(
      [diff.add.length, diff.remove.length],
      [whole.add.length, whole.remove.length],
      `after step ${i} as many flows as a whole comparison finds`,
    );
    if (i < steps.length - 1) assert.ok(diff.add.length + diff.remove.length > 0, `step ${i} changed flows`);
    else assert.deepEqual([diff.add.length, diff.remove.length], [0, 0], 'nothing changed, nothing to send');
    held = applied(held, diff);
  }
});

test('two endpoints that make a flow with the same key: the table is laid out whole, later wins, then in place again', () => {
  const desired = new DesiredFlows();
  const state: PipelineState = {
    networks: [{ tag: 1, icc: true, internal: false, subnets: ['10.0.1.0/24'] }],
    endpoints: [endpoint(1), endpoint(2)],
    rules: [],
  };
  const snapshot = (): PipelineState => JSON.parse(JSON.stringify(state)) as PipelineState;
  assert.equal(desired.update(snapshot()).changes, undefined, 'the first table is new');
  assert.ok(desired.update(snapshot()).changes, 'an unchanged state changes the table in place');
  // A second endpoint claims the first one's MAC on another port: their flows collide.
  state.endpoints.push({ ...endpoint(1), ofport: 40000 });
  const clash = desired.update(snapshot());
  assert.equal(clash.changes, undefined, 'overlapping parts make a new table, compared whole');
  assert.deepEqual(table(clash.want), table(keyed(buildPipeline(snapshot()).map(toFlowMod))));
  assert.ok(
    [...clash.want.values()].some((f) => f.content.includes('40000')),
    'the later endpoint wins the shared keys',
  );
  state.endpoints.pop();
  const apart = desired.update(snapshot());
  assert.equal(apart.changes, undefined, 'still laid out whole while the previous table had overlaps');
  assert.deepEqual(table(apart.want), table(keyed(buildPipeline(snapshot()).map(toFlowMod))));
  state.endpoints.push(endpoint(3));
  const again = desired.update(snapshot());
  assert.ok(again.changes, 'without overlaps the table is changed in place again');
  assert.deepEqual(table(again.want), table(keyed(buildPipeline(snapshot()).map(toFlowMod))));
});
