import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeMessage } from '../../../flows/ofp/encode';
import { decodeMessage } from '../../../flows/ofp/decode';
import { OfpFramer } from '../../../flows/ofp/framer';
import { OfpDecodeError } from '../../../flows/ofp/buffer';
import { UNKEPT_COUNTER, type OfpMessage } from '../../../flows/ofp/types';
import { SAMPLE_FLOW_MODS } from '../../fixtures/ofp-samples';
import { decodeFailure, decodeOrFail } from '../../harness/ofp-decode';

const port = {
  portNo: 7,
  hwAddr: '02:00:00:00:00:07',
  name: 'vethx',
  config: 0,
  state: 4,
  curr: 0,
  advertised: 0,
  supported: 0,
  peer: 0,
  currSpeed: 10_000_000,
  maxSpeed: 0,
};

const MESSAGES: OfpMessage[] = [
  { type: 'hello', xid: 1, versions: [1, 4, 5] },
  {
    type: 'error',
    xid: 2,
    errType: 4,
    code: 6,
    name: 'OFPBMC_BAD_FIELD',
    data: Buffer.from('0123456789abcdef', 'hex'),
  },
  {
    type: 'error',
    xid: 2,
    errType: 0xffff,
    code: 2306,
    experimenter: 0x4f4e4600,
    name: 'OFPBFC_BAD_TYPE',
    data: Buffer.alloc(0),
  },
  { type: 'echo_reply', xid: 3, data: Buffer.from('pong') },
  {
    type: 'features_reply',
    xid: 4,
    datapathId: 0x0000aabbccddeeffn,
    nBuffers: 0,
    nTables: 254,
    auxiliaryId: 0,
    capabilities: 0x4f,
  },
  { type: 'get_config_reply', xid: 5, flags: 0, missSendLen: 128 },
  { type: 'barrier_reply', xid: 6 },
  {
    type: 'packet_in',
    xid: 0,
    bufferId: 0xffffffff,
    totalLen: 42,
    reason: 1,
    tableId: 3,
    cookie: 0x55n,
    match: [
      { field: 'in_port', value: 9 },
      { field: 'reg0', value: 4 },
    ],
    data: Buffer.alloc(42, 1),
  },
  { type: 'port_status', xid: 0, reason: 0, port },
  {
    type: 'flow_removed',
    xid: 0,
    cookie: 1n,
    priority: 5,
    reason: 0,
    tableId: 2,
    durationSec: 3,
    durationNsec: 4,
    idleTimeout: 10,
    hardTimeout: 0,
    packetCount: 5n,
    byteCount: 600n,
    match: [{ field: 'reg1', value: 2 }],
  },
  { type: 'port_desc_reply', xid: 7, flags: 0, ports: [port, { ...port, portNo: 8, name: 'br-int' }] },
  {
    type: 'desc_reply',
    xid: 8,
    flags: 0,
    manufacturer: 'Nicira, Inc.',
    hardware: 'Open vSwitch',
    software: '3.1.0',
    serialNum: 'None',
    datapath: 'None',
  },
  {
    type: 'flow_stats_reply',
    xid: 9,
    flags: 1,
    flows: [
      {
        tableId: 1,
        durationSec: 1,
        durationNsec: 2,
        priority: 100,
        idleTimeout: 0,
        hardTimeout: 0,
        flags: 0,
        cookie: 0x1234n,
        packetCount: 3n,
        byteCount: 4n,
        match: [{ field: 'reg0', value: 1 }],
        instructions: [{ type: 'goto_table', table: 2 }],
      },
    ],
  },
  { type: 'role_reply', xid: 10, role: 2, generationId: 9n },
  { type: 'bundle_control', xid: 11, bundleId: 1, ctrlType: 5, flags: 0 },
  { type: 'aggregate_reply', xid: 14, flags: 0, packetCount: 10n, byteCount: 1000n, flowCount: 3 },
  {
    type: 'table_stats_reply',
    xid: 16,
    flags: 0,
    tables: [{ tableId: 0, activeCount: 4, lookupCount: 100n, matchedCount: 90n }],
  },
];

test('every message round-trips: encode, decode, encode again gives the same bytes', () => {
  for (const message of [...MESSAGES, ...SAMPLE_FLOW_MODS]) {
    const bytes = encodeMessage(message);
    assert.equal(bytes.readUInt16BE(2), bytes.length, `${message.type} length field`);
    const decoded = decodeOrFail(bytes, message.type);
    assert.deepEqual(encodeMessage(decoded), bytes, message.type);
  }
  const err = decodeMessage(encodeMessage(MESSAGES[1] as OfpMessage)) as Extract<OfpMessage, { type: 'error' }>;
  assert.equal(err.name, 'OFPBMC_BAD_FIELD');
  assert.deepEqual(
    (decodeMessage(encodeMessage(MESSAGES[0] as OfpMessage)) as { versions: number[] }).versions,
    [1, 4, 5],
  );
});

test('the framer yields the same messages for every split of a stream', () => {
  const stream = Buffer.concat(MESSAGES.slice(0, 8).map((m) => encodeMessage(m)));
  for (let cut = 0; cut <= stream.length; cut += 3) {
    const framer = new OfpFramer();
    const a = framer.push(stream.subarray(0, cut));
    const b = framer.push(stream.subarray(cut));
    assert.ok(!(a instanceof Error) && !(b instanceof Error));
    const all = [...a, ...b];
    assert.equal(all.length, 8, `cut at ${cut}`);
    assert.deepEqual(Buffer.concat(all), stream);
  }
  const framer = new OfpFramer();
  const out: Buffer[] = [];
  for (const byte of stream) out.push(...(framer.push(Buffer.from([byte])) as Buffer[]));
  assert.equal(out.length, 8);
});

test('malformed input becomes a decode error value, never an exception', () => {
  const good = encodeMessage(SAMPLE_FLOW_MODS[3] as OfpMessage);
  for (let len = 0; len < good.length; len++) {
    const truncated = Buffer.from(good.subarray(0, len));
    if (len >= 4) truncated.writeUInt16BE(len, 2);
    const result = decodeMessage(truncated);
    assert.ok(result instanceof OfpDecodeError || result.type === 'flow_mod', `length ${len}`);
  }
  const badLength = Buffer.from(good);
  badLength.writeUInt16BE(good.length + 8, 2);
  assert.match(decodeFailure(badLength), /does not match/);
  const badOxm = Buffer.from(good);
  badOxm.writeUInt8(0x03, 0x37); // the first OXM (masked reg0) now claims an odd 3 bytes
  assert.ok(decodeMessage(badOxm) instanceof OfpDecodeError);
  const badMatchType = Buffer.from(good);
  badMatchType.writeUInt16BE(0, 0x30);
  assert.match(decodeFailure(badMatchType), /match type 0 is not OXM/);
  assert.match(decodeFailure(Buffer.from('0400000800000001', 'hex').subarray(0, 6)), /shorter than the header/);
  assert.match(decodeFailure(Buffer.from('0100000800000001', 'hex').fill(0x0e, 1, 2)), /not 1\.3/);
  const framer = new OfpFramer();
  assert.ok(
    framer.push(Buffer.from('0400000400000001', 'hex')) instanceof OfpDecodeError,
    'a header announcing 4 bytes',
  );
  const unknown = decodeMessage(Buffer.from('04630008000000ff', 'hex'));
  assert.equal((unknown as OfpMessage).type, 'unknown');
});

test('encoder refuses values that do not fit, with the field named', () => {
  const bad = (match: unknown[]) => () =>
    encodeMessage({
      type: 'flow_mod',
      xid: 1,
      command: 'add',
      tableId: 0,
      priority: 1,
      match: match as never,
      instructions: [],
    });
  assert.throws(bad([{ field: 'ip_proto', value: 300 }]), /ip_proto: 300 does not fit in 8 bits/);
  assert.throws(bad([{ field: 'eth_src', value: 'zz' }]), /eth_src: "zz" is not a MAC/);
  assert.throws(bad([{ field: 'nope', value: 1 }]), /unknown match field "nope"/);
  assert.throws(bad([{ field: 'in_port', value: 1, mask: 1 }]), /cannot be masked/);
  assert.throws(
    () =>
      encodeMessage({
        type: 'flow_mod',
        xid: 1,
        command: 'add',
        tableId: 0,
        priority: 1,
        match: [],
        instructions: [{ type: 'apply_actions', actions: [{ type: 'conjunction', id: 1, clause: 3, nClauses: 2 }] }],
      }),
    /clause <= n/,
  );
});

test('port counters read as numbers: exact past 32 bits, all ones as not kept, large ones rounded', () => {
  const counters = {
    rxPackets: 2 ** 32 + 5,
    txPackets: 2 ** 53,
    rxBytes: UNKEPT_COUNTER,
    txBytes: 0,
    rxDropped: 1,
    txDropped: 2 ** 60,
    rxErrors: 0,
    txErrors: 0,
    rxFrameErr: 0,
    rxOverErr: 0,
    rxCrcErr: 0,
    collisions: 0,
  };
  const stats = { portNo: 3, ...counters, durationSec: 1, durationNsec: 2 };
  const bytes = encodeMessage({ type: 'port_stats_reply', xid: 9, flags: 0, stats: [stats] });
  const body = bytes.subarray(16);
  assert.equal(body.readBigUInt64BE(8), 2n ** 32n + 5n);
  assert.equal(body.readBigUInt64BE(24), 2n ** 64n - 1n);
  assert.equal(body.readBigUInt64BE(48), 2n ** 60n);
  const decoded = decodeMessage(bytes);
  assert.deepEqual(decoded, { type: 'port_stats_reply', xid: 9, flags: 0, stats: [stats] });
  const beyondExact = Buffer.from(bytes);
  beyondExact.writeBigUInt64BE(2n ** 53n + 1n, 16 + 8);
  const rounded = decodeOrFail(beyondExact, 'rx_packets of 2^53 + 1');
  assert.equal(rounded.type === 'port_stats_reply' && rounded.stats[0]?.rxPackets, 2 ** 53);
  const wrong = (value: number) => () =>
    encodeMessage({ type: 'port_stats_reply', xid: 9, flags: 0, stats: [{ ...stats, rxPackets: value }] });
  assert.throws(wrong(-1), /whole number >= 0, not -1/);
  assert.throws(wrong(1.5), /whole number >= 0, not 1.5/);
});
