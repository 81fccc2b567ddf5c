// Malformed input never escapes the decoder as an exception: it becomes an OfpDecodeError
// value whose kind says which OFPT_ERROR the peer should get back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage } from '../../../flows/ofp/decode';
import { OfpDecodeError, type DecodeErrorKind } from '../../../flows/ofp/buffer';
import { OfpFramer } from '../../../flows/ofp/framer';
import { errorName, replyErrorFor } from '../../../flows/ofp/errors';
import { ALL_FIXTURES, hex } from './fixtures';
import { FLOW_FIXTURES } from './fixtures/flow-messages';

function withLength(buf: Buffer): Buffer {
  const copy = Buffer.from(buf);
  if (copy.length >= 4) copy.writeUInt16BE(copy.length, 2);
  return copy;
}

function kindOf(result: unknown): string {
  assert.ok(
    result instanceof OfpDecodeError,
    `expected a decode error, got ${JSON.stringify(result, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`,
  );
  return result.kind;
}

const arpResponder = hex((FLOW_FIXTURES[1] as { hex: string }).hex);

test('every fixture cut short at every byte decodes to a value or an error value', () => {
  for (const f of ALL_FIXTURES) {
    const full = hex(f.hex);
    for (let len = 0; len < full.length; len++) {
      const result = decodeMessage(withLength(full.subarray(0, len)));
      assert.ok(result instanceof OfpDecodeError || typeof result.type === 'string', `${f.name} at ${len}`);
    }
  }
});

test('random bytes behind a valid header never throw', () => {
  let seed = 7;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  for (let i = 0; i < 3000; i++) {
    const body = Buffer.from(Array.from({ length: Math.floor(rand() * 120) }, () => Math.floor(rand() * 256)));
    const type = [0, 1, 4, 6, 10, 12, 13, 14, 15, 18, 19, 29][Math.floor(rand() * 12)] as number;
    const msg = Buffer.concat([Buffer.from([4, type, 0, 0, 0, 0, 0, 1]), body]);
    const result = decodeMessage(withLength(msg));
    assert.ok(result instanceof OfpDecodeError || typeof result.type === 'string');
  }
});

test('header problems: short, length mismatch, wrong version', () => {
  assert.equal(kindOf(decodeMessage(hex('04 00 0008 0000'))), 'truncated');
  assert.equal(kindOf(decodeMessage(hex('04 14 0010 00000001'))), 'bad_length');
  assert.equal(kindOf(decodeMessage(hex('01 0e 0008 00000001'))), 'bad_version');
  // HELLO and ERROR decode in any version: that is how versions are negotiated.
  assert.deepEqual(decodeMessage(hex('01 00 0008 00000009')), {
    type: 'hello',
    xid: 9,
    versions: [],
    headerVersion: 1,
  });
  const framer = new OfpFramer();
  assert.equal(kindOf(framer.push(hex('04 00 0004 00000001'))), 'bad_length', 'a header announcing 4 bytes');
});

test('match problems: odd masked OXM, wrong OXM width, match type not OXM', () => {
  const oddMask = Buffer.from(arpResponder);
  oddMask.writeUInt8(0x07, 48 + 4 + 3); // masked reg0 now claims 7 bytes
  assert.equal(kindOf(decodeMessage(oddMask)), 'bad_oxm_length');
  const wrongWidth = Buffer.from(arpResponder);
  wrongWidth.writeUInt8(0x06, 48 + 4 + 3); // masked reg0 claims 6 bytes (3 + 3)
  assert.equal(kindOf(decodeMessage(wrongWidth)), 'bad_oxm_length');
  const notOxm = Buffer.from(arpResponder);
  notOxm.writeUInt16BE(0, 48);
  assert.equal(kindOf(decodeMessage(notOxm)), 'bad_match');
});

test('action and instruction problems', () => {
  const badActionLen = Buffer.from(arpResponder);
  badActionLen.writeUInt16BE(0x14, 48 + 40 + 8 + 2); // first action claims 20 bytes
  assert.equal(kindOf(decodeMessage(badActionLen)), 'bad_action');
  const badInstruction = Buffer.from(arpResponder);
  badInstruction.writeUInt16BE(99, 48 + 40);
  assert.equal(kindOf(decodeMessage(badInstruction)), 'bad_instruction');
});

const fixtureNamed = (prefix: string): Buffer =>
  hex((ALL_FIXTURES.find((f) => f.name.startsWith(prefix)) as { hex: string }).hex);

test('a command or type a message cannot have is named as such, not as a bad length', () => {
  const cases: Array<[string, Buffer, number, 'u8' | 'u16', DecodeErrorKind, string]> = [
    ['flow_mod command', arpResponder, 8 + 17, 'u8', 'bad_flow_mod_command', 'OFPFMFC_BAD_COMMAND'],
    ['group_mod command', fixtureNamed('group_mod'), 8, 'u16', 'bad_group_mod_command', 'OFPGMFC_BAD_COMMAND'],
    ['group type', fixtureNamed('group_mod'), 10, 'u8', 'bad_group_type', 'OFPGMFC_BAD_TYPE'],
    ['meter_mod command', fixtureNamed('meter_mod'), 8, 'u16', 'bad_meter_mod_command', 'OFPMMFC_BAD_COMMAND'],
    ['meter band type', fixtureNamed('meter_mod'), 16, 'u16', 'bad_meter_band', 'OFPMMFC_BAD_BAND'],
  ];
  for (const [what, fixture, offset, width, kind, reply] of cases) {
    const bad = Buffer.from(fixture);
    if (width === 'u8') bad.writeUInt8(9, offset);
    else bad.writeUInt16BE(9, offset);
    const result = decodeMessage(bad);
    assert.ok(result instanceof OfpDecodeError, what);
    assert.match(result.message, /9 is unknown/, what);
    assert.equal(kindOf(result), kind, what);
    const { errType, code } = replyErrorFor(kind);
    assert.equal(errorName(errType, code), reply, what);
  }
});

test('multipart and bundle bodies that lie about their contents', () => {
  assert.equal(kindOf(decodeMessage(hex('04 13 000c 00000001 0001 0000'))), 'bad_length');
  assert.equal(kindOf(decodeMessage(hex('04 13 0018 00000001 0001 0000 00000000 0010 0100 00000000'))), 'bad_length');
  const bundleOfGarbage = hex('04 04 0020 00000001 4f4e4600 000008fd 00000001 0000 0003 04 0e 0009 00000001');
  assert.ok(decodeMessage(bundleOfGarbage) instanceof OfpDecodeError);
});

test('unknown message types and experimenters are values, not errors', () => {
  assert.deepEqual(decodeMessage(hex('04 63 000a 000000ff beef')), {
    type: 'unknown',
    xid: 0xff,
    msgType: 0x63,
    body: hex('beef'),
  });
  const nx = decodeMessage(hex('04 04 0010 00000002 00002320 0000001e'));
  assert.equal((nx as { type: string }).type, 'unknown');
});

test('decode error kinds map to the OFPT_ERROR a peer expects', () => {
  assert.equal(errorName(replyErrorFor('bad_length').errType, replyErrorFor('bad_length').code), 'OFPBRC_BAD_LEN');
  assert.equal(errorName(replyErrorFor('truncated').errType, replyErrorFor('truncated').code), 'OFPBRC_BAD_LEN');
  assert.equal(
    errorName(replyErrorFor('bad_version').errType, replyErrorFor('bad_version').code),
    'OFPBRC_BAD_VERSION',
  );
  assert.equal(
    errorName(replyErrorFor('bad_oxm_length').errType, replyErrorFor('bad_oxm_length').code),
    'OFPBMC_BAD_LEN',
  );
  assert.equal(errorName(replyErrorFor('bad_match').errType, replyErrorFor('bad_match').code), 'OFPBMC_BAD_TYPE');
  assert.equal(errorName(replyErrorFor('bad_action').errType, replyErrorFor('bad_action').code), 'OFPBAC_BAD_LEN');
  assert.equal(
    errorName(replyErrorFor('bad_instruction').errType, replyErrorFor('bad_instruction').code),
    'OFPBIC_BAD_LEN',
  );
  assert.equal(
    errorName(replyErrorFor('bad_multipart').errType, replyErrorFor('bad_multipart').code),
    'OFPBRC_BAD_STAT',
  );
  assert.equal(errorName(4, 77), 'OFPET_BAD_MATCH/77');
  assert.equal(errorName(0xffff, 9999, 0x2320), 'EXPERIMENTER(0x2320)/9999');
});
