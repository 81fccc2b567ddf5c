// The parser of ofproto/trace's text: table steps with priority and cookie, misses,
// outputs (a refused output to the input port undone), answers sent back out of the input
// port, and tunnel outputs with their destination and key. The samples are OVS 3.1's output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseOfprotoTrace } from '../../../controller/observe/trace/ofproto';
import { parseListenAddress } from '../../../controller/observe/http/listen';

const DELIVERED = `Flow: tcp,in_port=55097,vlan_tci=0x0000,dl_src=02:4f:0a:1f:00:02,dl_dst=02:4f:0a:1f:00:03

bridge("br-int")
----------------
 0. in_port=55097, priority 100, cookie 0xe01010000d73900
    load:0x1->NXM_NX_REG0[0..15]
    goto_table:1
 1. ip,in_port=55097,dl_src=02:4f:0a:1f:00:02,nw_src=10.31.0.2, priority 100, cookie 0xe02010000d73900
    goto_table:4
 6. reg1=0xd73a, priority 100, cookie 0xe06010000d73a00
    output:55098

Final flow: unchanged
Datapath actions: 5
`;

const MISS = `bridge("br-int")
----------------
 0. in_port=55097, priority 100, cookie 0xe01010000d73900
    goto_table:1
 4. No match.
    drop

Final flow: unchanged
Datapath actions: drop
`;

const FLOOD = `bridge("br-int")
----------------
 3. priority 0, cookie 0xe03000000000000
    goto_table:4
 6. reg0=0x300001/0xfff0ffff, priority 50, cookie 0xe06030000000100
    output:56564
    output:55097
     >> skipping output to input port
    output:55098

Final flow: unchanged
Datapath actions: 2,5
`;

const ANSWER = `bridge("br-int")
----------------
 3. arp,reg0=0x1/0xffff,arp_tpa=10.31.0.3,arp_op=1, priority 100, cookie 0xe03010000d73a00
    move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[]
     -> NXM_OF_ETH_DST[] is now 02:4f:0a:1f:00:02
    set_field:2->arp_op
    IN_PORT

Final flow: unchanged
`;

const TUNNEL = `bridge("br-int")
----------------
 6. reg1=0x1000005, priority 100, cookie 0xe06060000000500
    set_field:0x2a->tun_id
    set_field:192.168.50.12->tun_dst
    output:10

Final flow: unchanged
`;

test('a delivered frame: every table with its priority and cookie, and the output port', () => {
  const leg = parseOfprotoTrace(DELIVERED, 55097);
  assert.deepEqual(
    leg.steps.map((s) => [s.tableId, s.priority, s.cookie?.toString(16)]),
    [
      [0, 100, 'e01010000d73900'],
      [1, 100, 'e02010000d73900'],
      [6, 100, 'e06010000d73a00'],
    ],
  );
  assert.equal(leg.steps[1]?.match, 'ip,in_port=55097,dl_src=02:4f:0a:1f:00:02,nw_src=10.31.0.2');
  assert.deepEqual(leg.outputs, [{ port: 55098 }]);
});

test('a miss is a step without priority, and nothing leaves', () => {
  const leg = parseOfprotoTrace(MISS, 1);
  assert.deepEqual(leg.steps.at(-1), { tableId: 4 });
  assert.deepEqual(leg.outputs, []);
});

test('a flood keeps every output but the one OVS refused (the input port); a match-less flow parses', () => {
  const leg = parseOfprotoTrace(FLOOD, 55097);
  assert.deepEqual(leg.steps[0], { tableId: 3, priority: 0, cookie: 0xe03000000000000n });
  assert.deepEqual(
    leg.outputs.map((o) => o.port),
    [56564, 55098],
  );
});

test('an answer goes back out of the input port', () => {
  assert.deepEqual(parseOfprotoTrace(ANSWER, 7).outputs, [{ port: 7, inPort: true }]);
});

test('a tunnel output carries its destination and key', () => {
  assert.deepEqual(parseOfprotoTrace(TUNNEL, 3).outputs, [{ port: 10, tunnel: { dst: '192.168.50.12', key: '42' } }]);
});

test('listen addresses: a bare port is loopback, an address is kept, nonsense is refused', () => {
  assert.deepEqual(parseListenAddress('9475', '--metrics'), { host: '127.0.0.1', port: 9475 });
  assert.deepEqual(parseListenAddress(':9475', '--metrics'), { host: '127.0.0.1', port: 9475 });
  assert.deepEqual(parseListenAddress('0.0.0.0:80', '--http'), { host: '0.0.0.0', port: 80 });
  assert.deepEqual(parseListenAddress('[::1]:8080', '--http'), { host: '::1', port: 8080 });
  assert.throws(() => parseListenAddress('localhost', '--http'), /--http must be \[ADDRESS:\]PORT/);
  assert.throws(() => parseListenAddress('99999', '--metrics'), /--metrics must be/);
});
