import { test } from 'node:test';
import assert from 'node:assert/strict';
import { desiredPorts, planPorts, type PortIntent } from '../../../controller/reconcile/desired-ports';
import type { EndpointRecord, NetworkRecord } from '../../../controller/cnm/records';

const network: NetworkRecord = {
  id: 'n1',
  key: 'n1',
  tag: 3,
  gatewayIfname: 'ovsgw3',
  ipv4: [{ pool: '10.1.0.0/24', gateway: '10.1.0.1' }],
  ipv6: [],
  icc: true,
  internal: false,
  mtu: 1400,
};
const endpoint = (id: string, plugged: boolean): EndpointRecord => ({
  networkId: 'n1',
  endpointId: id,
  mac: '02:00:00:00:00:01',
  ofport: 40001 + id.length,
  hostIfname: `ovs${id}`,
  containerIfname: `ovc${id}`,
  ...(plugged ? { plugged } : {}),
});

test('desired ports: a gateway per network and a port per plugged endpoint only', () => {
  const ports = desiredPorts(
    [network],
    [endpoint('aaaa', true), endpoint('bbbbb', false)],
    [],
    new Map([['n1', 40000]]),
  );
  assert.deepEqual(
    ports.map((p) => [p.name, p.type, p.ofportRequest, p.owner, p.mtu]),
    [
      ['ovsgw3', 'internal', 40000, 'gateway:n1', 1400],
      ['ovsaaaa', '', 40005, 'endpoint:n1/aaaa', 1400],
    ],
  );
});

test('plan: adds missing, removes orphans, recreates drifted, leaves correct ones alone', () => {
  const want: PortIntent[] = [
    { name: 'a', type: '', ofportRequest: 1, owner: 'endpoint:n/a' },
    { name: 'b', type: '', ofportRequest: 2, owner: 'endpoint:n/b' },
    { name: 'g', type: 'internal', ofportRequest: 3, owner: 'gateway:n' },
  ];
  const have: PortIntent[] = [
    { name: 'a', type: '', ofportRequest: 1, owner: 'endpoint:n/a' },
    { name: 'b', type: '', ofportRequest: 9, owner: 'endpoint:n/b' },
    { name: 'old', type: '', ofportRequest: 5, owner: 'endpoint:n/old' },
  ];
  const plan = planPorts(want, have);
  assert.deepEqual(plan.remove, ['b', 'old']);
  assert.deepEqual(
    plan.add.map((p) => p.name),
    ['b', 'g'],
  );
  assert.deepEqual(planPorts(want, want), { add: [], remove: [] }, 'converged state plans nothing');
});
