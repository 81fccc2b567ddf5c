// Encodes OfpMessage values into OpenFlow 1.3 bytes. Values that cannot be encoded (a
// MAC that is not a MAC, a number too wide for its field) throw OfpEncodeError: that is a
// programming error of the caller, unlike malformed input, which decode returns as a value.
import { Writer } from './buffer';
import { BundleFlags, MsgType, OFP13_VERSION, ONF_VENDOR_ID, OnfBundle } from './constants';
import { encodeFlowModBody } from './messages/flow';
import { FAMILIES } from './messages';
import type { Encoders, NestedCodec } from './messages/family';
import type { FlowMod, OfpMessage } from './types';

const TYPE_CODES: { [K in OfpMessage['type']]?: number } = {};
const ENCODERS: Encoders = {};
for (const family of FAMILIES) {
  Object.assign(TYPE_CODES, family.typeCodes);
  Object.assign(ENCODERS, family.encoders);
}

/** A message without its xid, as callers hand them to a session to be numbered. */
export type DistributiveOmitXid = OfpMessage extends infer T ? (T extends OfpMessage ? Omit<T, 'xid'> : never) : never;

type AnyEncoder = (w: Writer, m: OfpMessage, nested: NestedCodec, xid: number) => void;
const nested: NestedCodec = {
  decode: () => {
    throw new Error('not used when encoding');
  },
  encodeInto,
};

function typeCode(m: OfpMessage): number {
  if (m.type === 'unknown') return m.msgType;
  if (m.type === 'multipart_other') return m.request ? MsgType.MULTIPART_REQUEST : MsgType.MULTIPART_REPLY;
  const code = TYPE_CODES[m.type];
  if (code === undefined) throw new Error(`no encoder for message type ${m.type}`);
  return code;
}

/**
 * Appends one message to a writer (many messages can share one buffer). `xid` overrides
 * the message's own, so callers need not copy a message to number it.
 */
export function encodeInto(
  w: Writer,
  m: OfpMessage | DistributiveOmitXid,
  xid = (m as { xid?: number }).xid ?? 0,
): void {
  const start = w.length;
  const version = m.type === 'hello' ? (m.headerVersion ?? OFP13_VERSION) : OFP13_VERSION;
  w.u8(version)
    .u8(typeCode(m as OfpMessage))
    .u16(0)
    .u32(xid);
  if (m.type === 'unknown') w.bytes(m.body);
  else (ENCODERS[m.type] as AnyEncoder)(w, m as OfpMessage, nested, xid);
  const length = w.length - start;
  if (length > 0xffff) throw new RangeError(`${m.type} message of ${length} bytes exceeds the 64 KiB OpenFlow limit`);
  w.setU16(start + 2, length);
}

export function encodeMessage(m: OfpMessage | DistributiveOmitXid, xid?: number): Buffer {
  const w = new Writer(128);
  encodeInto(w, m, xid);
  return w.finish();
}

export const ATOMIC_ORDERED = BundleFlags.ATOMIC | BundleFlags.ORDERED;

/**
 * Appends one FLOW_MOD for `flow` (or, with `bundle`, an ONF BUNDLE_ADD_MESSAGE carrying
 * it) without building intermediate message objects: the bulk path for large installs.
 */
export function encodeFlowModInto(
  w: Writer,
  flow: FlowMod,
  xid: number,
  bundle?: { bundleId: number; flags: number },
): void {
  const outer = w.length;
  if (bundle) {
    w.u8(OFP13_VERSION).u8(MsgType.EXPERIMENTER).u16(0).u32(xid);
    w.u32(ONF_VENDOR_ID).u32(OnfBundle.ADD_MESSAGE).u32(bundle.bundleId).zeros(2).u16(bundle.flags);
  }
  const start = w.length;
  w.u8(OFP13_VERSION).u8(MsgType.FLOW_MOD).u16(0).u32(xid);
  encodeFlowModBody(w, flow);
  w.setU16(start + 2, w.length - start);
  if (bundle) w.setU16(outer + 2, w.length - outer);
}
