// The shape every message-family module has: which message type numbers it decodes, and
// how it encodes each of its message kinds. decode.ts and encode.ts merge the families.
import type { OfpDecodeError, Reader, Writer } from '../buffer';
import type { MessageOf, OfpMessage } from '../types';

export type { MessageOf };

/** Lets a family decode or encode a whole nested message (bundle_add) without an import cycle. */
export interface NestedCodec {
  decode(buf: Buffer): OfpMessage | OfpDecodeError;
  encodeInto(w: Writer, message: OfpMessage, xid?: number): void;
}

export interface Header {
  version: number;
  type: number;
  xid: number;
}

export type BodyDecoder = (r: Reader, header: Header, nested: NestedCodec) => OfpMessage;

/** `xid` is the xid the message goes out with (it may differ from `m.xid`). */
export type Encoders = {
  [K in OfpMessage['type']]?: (w: Writer, m: MessageOf<K>, nested: NestedCodec, xid: number) => void;
};

export interface MessageFamily {
  /** The OFPT_* number each message kind goes out with. */
  typeCodes: { [K in OfpMessage['type']]?: number };
  encoders: Encoders;
  decoders: Record<number, BodyDecoder>;
}

/** Reads a NUL-padded fixed-size string. */
export function cString(buf: Buffer): string {
  const end = buf.indexOf(0);
  return buf.toString('utf8', 0, end < 0 ? buf.length : end);
}

/** Writes a string into a NUL-padded field of `size` bytes (always NUL-terminated). */
export function writeCString(w: Writer, text: string, size: number): void {
  const field = Buffer.alloc(size);
  field.write(text, 0, size - 1, 'utf8');
  w.bytes(field);
}

export function macText(bytes: Buffer): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

export function macBytes(text: string): Buffer {
  return Buffer.from(text.split(':').map((h) => Number.parseInt(h, 16)));
}
