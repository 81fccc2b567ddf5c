// Encodes OfpMessage values into OpenFlow 1.3 bytes. Values that cannot be encoded (a
// MAC that is not a MAC, a number too wide for its field) throw OfpEncodeError: that is a
// programming error of the caller, unlike malformed input, which decode returns as a value.
import { Writer } from './buffer';
import { BundleFlags, OFP13_VERSION } from './constants';
import { FAMILIES } from './messages';
import type { Encoders, NestedCodec } from './messages/family';
import type { OfpMessage } from './types';

const TYPE_CODES: { [K in OfpMessage['type']]?: number } = {};
const ENCODERS: Encoders = {};
for (const family of FAMILIES) {
  Object.assign(TYPE_CODES, family.typeCodes);
  Object.assign(ENCODERS, family.encoders);
}

type AnyEncoder = (w: Writer, m: OfpMessage, nested: NestedCodec) => void;
const nested: NestedCodec = { decode: () => { throw new Error('not used when encoding'); }, encodeInto };

function typeCode(m: OfpMessage): number {
  if (m.type === 'unknown') return m.msgType;
  if (m.type === 'multipart_other') return m.request ? 18 : 19;
  const code = TYPE_CODES[m.type];
  if (code === undefined) throw new Error(`no encoder for message type ${m.type}`);
  return code;
}

/** Appends one message to a writer (many messages can share one buffer). */
export function encodeInto(w: Writer, m: OfpMessage): void {
  const start = w.length;
  const version = m.type === 'hello' ? (m.headerVersion ?? OFP13_VERSION) : OFP13_VERSION;
  w.u8(version).u8(typeCode(m)).u16(0).u32(m.xid);
  if (m.type === 'unknown') w.bytes(m.body);
  else (ENCODERS[m.type] as AnyEncoder)(w, m, nested);
  const length = w.length - start;
  if (length > 0xffff) throw new RangeError(`${m.type} message of ${length} bytes exceeds the 64 KiB OpenFlow limit`);
  w.setU16(start + 2, length);
}

export function encodeMessage(m: OfpMessage): Buffer {
  const w = new Writer(128);
  encodeInto(w, m);
  return w.finish();
}

export const ATOMIC_ORDERED = BundleFlags.ATOMIC | BundleFlags.ORDERED;
