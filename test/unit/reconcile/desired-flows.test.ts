// Reusing an endpoint's flows between passes must never change the result: after any
// sequence of changes the cached table equals one computed from scratch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DesiredFlows } from '../../../controller/reconcile/desired-flows';
import type { PipelineEndpoint, PipelineState } from '../../../flows/pipeline/model';

function endpoint(i: number, tag = 1): PipelineEndpoint {
  return {
    ofport: 32768 + i,
    networkTag: tag,
    mac: `02:00:00:00:00:${i.toString(16).padStart(2, '0')}`,
    ipv4: `10.0.${tag}.${i + 2}`,
  };
}

function table(keyedFlows: ReturnType<DesiredFlows['keyedFor']>): string[] {
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
    assert.deepEqual(table(cached.keyedFor(snapshot)), table(new DesiredFlows().keyedFor(snapshot)), `after step ${i}`);
  }
  const ip = [...cached.keyedFor(state).keys()].filter((k) => k.includes('10.0.1.200'));
  assert.ok(ip.length > 0, 'the changed address is in the table');
});
