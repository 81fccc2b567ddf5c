// Every hand-written fixture: the bytes decode to the value, the value encodes to the
// bytes, and decode(encode(decode(bytes))) is stable. Then the same bytes as one stream,
// split at every byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeMessage } from '../../../flows/ofp/encode';
import { decodeMessage } from '../../../flows/ofp/decode';
import { OfpFramer } from '../../../flows/ofp/framer';
import { ALL_FIXTURES, hex } from './fixtures';
import { decodeOrFail } from '../../harness/ofp-decode';

test('each fixture decodes to its value', () => {
  for (const f of ALL_FIXTURES) assert.deepEqual(decodeMessage(hex(f.hex)), f.message, f.name);
});

test('each fixture value encodes to its bytes', () => {
  for (const f of ALL_FIXTURES)
    assert.equal(encodeMessage(f.message).toString('hex'), hex(f.hex).toString('hex'), f.name);
});

test('decode and encode mirror each other', () => {
  for (const f of ALL_FIXTURES) {
    const once = decodeOrFail(hex(f.hex), f.name);
    const bytes = encodeMessage(once);
    assert.deepEqual(bytes, hex(f.hex), f.name);
    assert.deepEqual(decodeMessage(bytes), once, f.name);
  }
});

test('the length field of every fixture is the fixture length', () => {
  for (const f of ALL_FIXTURES) {
    const bytes = hex(f.hex);
    assert.equal(bytes.readUInt16BE(2), bytes.length, f.name);
  }
});

test('a stream of all fixtures frames identically whatever the split point', () => {
  const parts = ALL_FIXTURES.map((f) => hex(f.hex));
  const stream = Buffer.concat(parts);
  for (let cut = 0; cut <= stream.length; cut++) {
    const framer = new OfpFramer();
    const a = framer.push(stream.subarray(0, cut));
    const b = framer.push(stream.subarray(cut));
    assert.ok(Array.isArray(a) && Array.isArray(b), `cut ${cut}`);
    const frames = [...a, ...b];
    assert.equal(frames.length, parts.length, `cut ${cut}`);
    frames.forEach((frame, i) => assert.ok(frame.equals(parts[i] as Buffer), `cut ${cut}, message ${i}`));
    assert.equal(framer.pendingBytes, 0);
  }
});

test('a stream fed one byte at a time, and in three uneven chunks', () => {
  const parts = ALL_FIXTURES.map((f) => hex(f.hex));
  const stream = Buffer.concat(parts);
  const framer = new OfpFramer();
  const frames: Buffer[] = [];
  for (let i = 0; i < stream.length; i++) frames.push(...(framer.push(stream.subarray(i, i + 1)) as Buffer[]));
  assert.deepEqual(
    frames.map((f) => decodeMessage(f)),
    ALL_FIXTURES.map((f) => f.message),
  );
  for (const [x, y] of [
    [1, 2],
    [7, 9],
    [100, 1500],
    [stream.length - 3, stream.length - 1],
  ] as const) {
    const f2 = new OfpFramer();
    const out = [stream.subarray(0, x), stream.subarray(x, y), stream.subarray(y)].flatMap(
      (c) => f2.push(c) as Buffer[],
    );
    assert.equal(out.length, parts.length, `chunks at ${x}/${y}`);
  }
});

test('fields OVS writes with old NXM headers decode to the same names', () => {
  const arp = ALL_FIXTURES.find((f) => f.name.startsWith('flow_mod: ARP responder')) as (typeof ALL_FIXTURES)[number];
  const oxm = hex(arp.hex).toString('hex');
  // As OVS dumps it: move NXM_OF_ETH_SRC[] -> NXM_OF_ETH_DST[] (class 0x0000, fields 2 and 1).
  const nxm = oxm.replace('0030000000008000080680000606', '0030000000000000040600000206');
  assert.notEqual(nxm, oxm);
  assert.deepEqual(decodeMessage(Buffer.from(nxm, 'hex')), arp.message);
});
