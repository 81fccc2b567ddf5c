// A trace across hosts without switches: the simulator's judgement on a host whose network
// spans two hosts (a frame for the remote container leaves by the tunnel; one from it
// arrives by the tunnel), and how across-hosts.ts joins the sending host's half with the
// receiving host's, or ends at the tunnel when no peer is that host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPipeline } from '../../../flows/pipeline/build';
import type { PipelineState } from '../../../flows/pipeline/model';
import type { EndpointRecord, NetworkRecord } from '../../../controller/cnm/records';
import { simulatedTrace } from '../../../controller/observe/trace/trace';
import type { Known } from '../../../controller/observe/trace/resolve';
import { acrossHosts, type PeerCalls } from '../../../controller/observe/trace/across-hosts';
import type { TraceAnswer, TraceReport, TraceRequest } from '../../../controller/observe/trace/types';

const network = (icc: boolean): NetworkRecord => ({
  id: 'net1',
  key: 'web',
  name: 'web',
  tag: 3,
  gatewayIfname: 'ovsgw3',
  ipv4: [{ pool: '10.5.0.0/24', gateway: '10.5.0.1' }],
  ipv6: [],
  icc,
  internal: false,
  vni: 4100,
  tunnel: 'gre',
});
const endpoint = (id: string, host: string, ip: string, mac: string, ofport: number): EndpointRecord => ({
  networkId: 'net1',
  endpointId: id.repeat(64 / id.length),
  host,
  ipv4: `${ip}/24`,
  mac,
  hostIfname: `ovs${id}`,
  containerIfname: `ovc${id}`,
  containerName: id,
  ofport,
  plugged: true,
});
const LOCAL = endpoint('a', 'h1', '10.5.0.11', '02:00:00:00:01:11', 32769);
const REMOTE = endpoint('b', 'h2', '10.5.0.21', '02:00:00:00:02:21', 32770);

function known(icc: boolean): Known {
  const state: PipelineState = {
    networks: [{ tag: 3, icc, internal: false, subnets: ['10.5.0.0/24'], vni: 4100, tunnel: 'gre' }],
    endpoints: [{ ofport: 32769, networkTag: 3, mac: LOCAL.mac, ipv4: '10.5.0.11' }],
    rules: [],
    tunnels: [
      { type: 'vxlan', ofport: 65278 },
      { type: 'gre', ofport: 65279 },
    ],
    remoteHosts: [{ id: 2, tunnelIp: '192.0.2.2', alive: true }],
    remoteEndpoints: [{ id: (2 << 15) | 2, host: 2, networkTag: 3, mac: REMOTE.mac, ipv4: '10.5.0.21' }],
  };
  return {
    networks: [network(icc)],
    endpoints: [LOCAL, REMOTE],
    state,
    hosts: [
      { id: 'h1', tunnelIp: '192.0.2.1', since: '', number: 1 },
      { id: 'h2', tunnelIp: '192.0.2.2', since: '', number: 2 },
    ],
  };
}

const traced = (icc: boolean, request: TraceRequest): Promise<TraceAnswer> =>
  simulatedTrace(known(icc), buildPipeline(known(icc).state), request);

test('to a remote container: the frame leaves by the network’s tunnel, to its host, with the VNI', async () => {
  const answer = await traced(true, { from: 'a', to: 'b' });
  assert.equal(answer.verdict.kind, 'tunnelled');
  assert.equal(answer.verdict.summary, 'sent to host h2 over gre (tun_dst 192.0.2.2, VNI 4100)');
});

test('from a remote container: the trace starts at the tunnel ingress and is judged here', async () => {
  const open = await traced(true, { from: 'b', to: 'a' });
  assert.match(
    open.legs[0]?.frame ?? '',
    /^in_port=65279,tun_src=192\.0\.2\.2,tun_id=0x1004,eth_src=02:00:00:00:02:21,/,
  );
  assert.match(
    open.legs[0]?.what ?? '',
    /^b on host h2 sends; it arrives over gre \(tun_src 192\.0\.2\.2, VNI 4100\)$/,
  );
  assert.deepEqual(open.verdict, { kind: 'delivered', to: 'a', port: 32769, summary: 'delivered to a on port 32769' });
  const closed = await traced(false, { from: 'b', to: 'a' });
  assert.equal(closed.verdict.kind, 'dropped');
  assert.match(closed.verdict.summary, /^ICC is off on network web and no allow rule lets b reach a on icmp$/);
  const spoofed = await traced(true, { from: 'b', to: 'a', srcIp: '10.5.0.99' });
  assert.equal(spoofed.verdict.kind, 'dropped');
  assert.match(spoofed.verdict.summary, /from host h2 does not carry b's own addresses/);
});

function localReport(answer: TraceAnswer): TraceReport {
  return {
    from: { label: 'a', kind: 'endpoint', endpointId: LOCAL.endpointId, ip: '10.5.0.11' },
    to: { label: 'b', kind: 'endpoint', endpointId: REMOTE.endpointId, ip: '10.5.0.21' },
    proto: 'icmp',
    switch: answer,
  };
}

test('across hosts: the receiving host’s daemon traces on, and its verdict ends the path', async () => {
  const here = await traced(true, { from: 'a', to: 'b' });
  const there: TraceAnswer = {
    legs: [{ frame: 'in_port=65279', what: 'b arrives', steps: [], outputs: [{ port: 32770 }] }],
    verdict: { kind: 'delivered', to: 'b', port: 32770, summary: 'delivered to b on port 32770' },
  };
  const asked: Array<[string, TraceRequest]> = [];
  const peers: PeerCalls = {
    tunnelIp: (socket) => Promise.resolve(socket === '/h2/ovsnet.ctl' ? '192.0.2.2' : '192.0.2.3'),
    trace: (socket, request) => {
      asked.push([socket, request]);
      return Promise.resolve({ ...localReport(there), to: { label: 'b', kind: 'endpoint', ip: '10.5.0.21' } });
    },
  };
  const request = { from: 'a', to: 'b', peers: ['/h3/ovsnet.ctl', '/h2/ovsnet.ctl'] };
  const report = await acrossHosts(localReport(here), request, 'h1', peers);
  assert.deepEqual(asked, [['/h2/ovsnet.ctl', { from: LOCAL.endpointId, to: REMOTE.endpointId, proto: 'icmp' }]]);
  assert.deepEqual(report.hosts, ['h1', 'h2']);
  assert.deepEqual(
    report.switch.legs.map((l) => l.host),
    ['h1', 'h2'],
  );
  assert.equal(report.switch.verdict.kind, 'delivered');
  assert.equal(
    report.switch.verdict.summary,
    'sent to host h2 over gre (tun_dst 192.0.2.2, VNI 4100); there, delivered to b on port 32770',
  );
  assert.equal(report.simulator, undefined);
});

test('across hosts: without a peer for that host, the trace ends at the tunnel and says how to go on', async () => {
  const here = localReport(await traced(true, { from: 'a', to: 'b' }));
  const none: PeerCalls = {
    tunnelIp: () => Promise.resolve('192.0.2.3'),
    trace: () => Promise.reject(new Error('not asked')),
  };
  const alone = await acrossHosts(here, { from: 'a', to: 'b' }, 'h1', none);
  assert.equal(alone.switch.verdict.kind, 'tunnelled');
  assert.match(
    alone.switch.verdict.summary,
    /add --peer with the control socket \(or state directory\) of h2's daemon$/,
  );
  const other = await acrossHosts(here, { from: 'a', to: 'b', peers: ['/h3/ovsnet.ctl'] }, 'h1', none);
  assert.match(other.switch.verdict.summary, /no --peer daemon is host h2 \(tunnel address 192\.0\.2\.2\)$/);
});
