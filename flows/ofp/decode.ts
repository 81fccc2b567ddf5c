// Decodes one OpenFlow 1.3 message. Malformed input never throws out of here: the result
// is an OfpDecodeError value naming what was wrong, where, and which kind of error it is.
import { OfpDecodeError, Reader } from './buffer';
import { MsgType, OFP13_VERSION, OFP_HEADER_LEN } from './constants';
import { encodeInto } from './encode';
import { FAMILIES } from './messages';
import type { BodyDecoder, NestedCodec } from './messages/family';
import type { OfpMessage } from './types';

const DECODERS = new Map<number, BodyDecoder>();
for (const family of FAMILIES)
  for (const [type, decoder] of Object.entries(family.decoders)) DECODERS.set(Number(type), decoder);

const nested: NestedCodec = { decode: (buf) => decodeMessage(buf), encodeInto };

/** Decodes exactly one message (as the framer delivers it). */
export function decodeMessage(buf: Buffer): OfpMessage | OfpDecodeError {
  if (buf.length < OFP_HEADER_LEN)
    return new OfpDecodeError(`message of ${buf.length} bytes is shorter than the header`, 'truncated');
  const version = buf.readUInt8(0);
  const type = buf.readUInt8(1);
  const length = buf.readUInt16BE(2);
  const xid = buf.readUInt32BE(4);
  if (length !== buf.length)
    return new OfpDecodeError(`header length ${length} does not match the ${buf.length} bytes received`, 'bad_length');
  // HELLO and ERROR have the same layout in every version: they are how peers that speak
  // different versions find out.
  if (version !== OFP13_VERSION && type !== MsgType.HELLO && type !== MsgType.ERROR) {
    return new OfpDecodeError(`OpenFlow version 0x${version.toString(16)} is not 1.3`, 'bad_version');
  }
  const decoder = DECODERS.get(type);
  const r = new Reader(buf, OFP_HEADER_LEN, length);
  if (!decoder) return { type: 'unknown', xid, msgType: type, body: Buffer.from(r.bytes(r.remaining)) };
  try {
    const message = decoder(r, { version, type, xid }, nested);
    return message;
  } catch (error) {
    if (error instanceof OfpDecodeError) return error;
    return new OfpDecodeError(`malformed message: ${(error as Error).message}`, 'undecodable');
  }
}
