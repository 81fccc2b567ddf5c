// Which counters an endpoint shows: those of the port the switch realised for it (the last
// pass's, else the one it asked for), named from the container's side, whatever other ports
// (tunnels, ports added by hand, LOCAL) the switch reports beside ovsnet's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endpointStats, type StatsSources } from '../../../controller/observe/endpoint-stats';
import type { EndpointRecord, NetworkRecord } from '../../../controller/cnm/records';
import { UNKEPT_COUNTER, type PortStats } from '../../../flows/ofp/types';
import type { PipelineState } from '../../../flows/pipeline/model';

const web: NetworkRecord = {
  id: 'n-web',
  name: 'web',
  key: 'web',
  tag: 3,
  ipv4: [],
  ipv6: [],
  icc: true,
  internal: false,
  gatewayIfname: 'ovsnet-gw3',
};

function endpoint(name: string, mac: string, ofport: number, plugged = true): EndpointRecord {
  return {
    networkId: web.id,
    endpointId: `${name}`.padEnd(64, '0'),
    containerName: name,
    mac,
    ofport,
    plugged,
    hostIfname: `h-${name}`,
    containerIfname: `c-${name}`,
  };
}

function port(portNo: number, rx: number, tx: number): PortStats {
  return {
    portNo,
    rxPackets: rx,
    txPackets: tx,
    rxBytes: rx * 100,
    txBytes: tx * 100,
    rxDropped: 0,
    txDropped: UNKEPT_COUNTER,
    rxErrors: 0,
    txErrors: 0,
    rxFrameErr: 0,
    rxOverErr: 0,
    rxCrcErr: 0,
    collisions: 0,
    durationSec: 1,
    durationNsec: 0,
  };
}

function sources(endpoints: EndpointRecord[], stats: PortStats[], pipeline?: PipelineState): StatsSources {
  return {
    networks: () => Promise.resolve([web]),
    endpoints: () => Promise.resolve(endpoints),
    pipeline: () => pipeline,
    portStats: () => Promise.resolve(stats),
  };
}

const ports = [
  port(0xfffffffe, 999, 999), // LOCAL
  port(0xfefe, 888, 888), // the VXLAN tunnel
  port(5, 50, 51), // added by hand, numbered by OVS
  port(32770, 20, 21),
  port(32768, 10, 11),
  port(32900, 30, 31),
];

test("each endpoint shows its own port's counters, seen from the container, sorted by name", async () => {
  const rows = await endpointStats(
    sources(
      [
        endpoint('b', '02:00:00:00:00:0b', 32770),
        endpoint('a', '02:00:00:00:00:0a', 32768),
        endpoint('hand', '02:00:00:00:00:05', 5),
        endpoint('far', '02:00:00:00:00:0f', 32900),
        endpoint('gone', '02:00:00:00:00:09', 32769),
        endpoint('unplugged', '02:00:00:00:00:08', 32771, false),
      ],
      ports,
    ),
  );
  assert.deepEqual(
    rows.map((r) => [r.container, r.ofport, r.sent.packets, r.received.packets, r.sent.bytes, r.received.dropped]),
    [
      ['a', 32768, 10, 11, 1000, 0],
      ['b', 32770, 20, 21, 2000, 0],
      ['far', 32900, 30, 31, 3000, 0],
      // Its port is not on the switch (yet): zeros, not another port's counters.
      ['gone', 32769, 0, 0, 0, 0],
      ['hand', 5, 50, 51, 5000, 0],
    ],
  );
});

test('the port the last pass realised wins over the one the record asked for', async () => {
  const a = endpoint('a', '02:00:00:00:00:0a', 32768);
  const pipeline: PipelineState = {
    networks: [],
    endpoints: [{ networkTag: web.tag, mac: a.mac, ofport: 32900 }],
    rules: [],
  };
  const [row] = await endpointStats(sources([a], ports, pipeline));
  assert.equal(row?.ofport, 32900);
  assert.equal(row?.sent.packets, 30);
});

test('one endpoint by container name or id prefix; an unknown name is a clear error', async () => {
  const all = [endpoint('a', '02:00:00:00:00:0a', 32768), endpoint('b', '02:00:00:00:00:0b', 32770)];
  assert.deepEqual(
    (await endpointStats(sources(all, ports), 'b')).map((r) => r.container),
    ['b'],
  );
  assert.deepEqual(
    (await endpointStats(sources(all, ports), 'a00000000000')).map((r) => r.container),
    ['a'],
  );
  await assert.rejects(endpointStats(sources(all, ports), 'nobody'), /no endpoint "nobody" on this host/);
});

test('a switch with no ports of ovsnet still answers', async () => {
  const rows = await endpointStats(sources([endpoint('hand', '02:00:00:00:00:05', 5)], [port(5, 1, 2)]));
  assert.deepEqual(
    rows.map((r) => [r.container, r.sent.packets]),
    [['hand', 1]],
  );
});
