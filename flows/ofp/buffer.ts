// Bounds-checked reading and growable writing of big-endian OpenFlow fields. A read past
// the end throws OfpDecodeError, which the decoder turns into an error value.

/**
 * What kind of malformation a decode error is; each maps to the OFPT_ERROR a peer should
 * get back (see `replyErrorFor` in errors.ts), so every decode error names its kind.
 */
export type DecodeErrorKind =
  | 'truncated'
  | 'bad_length'
  | 'bad_version'
  | 'bad_match'
  | 'bad_oxm_length'
  | 'bad_action'
  | 'bad_instruction'
  | 'bad_multipart'
  | 'bad_experimenter'
  | 'bad_flow_mod_command'
  | 'bad_group_mod_command'
  | 'bad_group_type'
  | 'bad_meter_mod_command'
  | 'bad_meter_band'
  /** The decoder failed in a way it does not foresee: a codec bug, not the peer's. */
  | 'undecodable';

export class OfpDecodeError extends Error {
  readonly code = 'OFP_DECODE' as const;
  constructor(
    message: string,
    readonly kind: DecodeErrorKind,
  ) {
    super(message);
    this.name = 'OfpDecodeError';
  }
}

export class Reader {
  constructor(
    readonly buf: Buffer,
    public offset = 0,
    readonly end = buf.length,
  ) {}

  get remaining(): number {
    return this.end - this.offset;
  }

  private need(n: number, what: string): void {
    if (this.offset + n > this.end)
      throw new OfpDecodeError(
        `truncated ${what}: need ${n} bytes at offset ${this.offset}, have ${this.end - this.offset}`,
        'truncated',
      );
  }

  u8(what = 'u8'): number {
    this.need(1, what);
    return this.buf.readUInt8(this.offset++);
  }
  u16(what = 'u16'): number {
    this.need(2, what);
    const v = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }
  u32(what = 'u32'): number {
    this.need(4, what);
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  u64(what = 'u64'): bigint {
    this.need(8, what);
    const v = this.buf.readBigUInt64BE(this.offset);
    this.offset += 8;
    return v;
  }
  /**
   * A u64 counter as a number: exact up to 2^53, rounded to the nearest double above (how
   * Prometheus keeps counters all the same). Small values are small integers, which cost no
   * allocation, where a bigint always does.
   */
  u64Number(what = 'u64'): number {
    this.need(8, what);
    const v = this.buf.readUInt32BE(this.offset) * 0x1_0000_0000 + this.buf.readUInt32BE(this.offset + 4);
    this.offset += 8;
    return v;
  }
  bytes(n: number, what = 'bytes'): Buffer {
    this.need(n, what);
    const v = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }
  skip(n: number, what = 'padding'): void {
    this.need(n, what);
    this.offset += n;
  }
  /** A reader over the next n bytes; this reader moves past them. */
  sub(n: number, what: string): Reader {
    this.need(n, what);
    const r = new Reader(this.buf, this.offset, this.offset + n);
    this.offset += n;
    return r;
  }
}

/**
 * A growable big-endian writer. Bytes are stored by index (no per-call range checks), so
 * encoding 100,000 flow_mods costs tens of milliseconds, not seconds.
 */
export class Writer {
  private buf: Buffer;
  length = 0;

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.length++] = v & 0xff;
    return this;
  }
  u16(v: number): this {
    this.ensure(2);
    const b = this.buf;
    b[this.length] = (v >>> 8) & 0xff;
    b[this.length + 1] = v & 0xff;
    this.length += 2;
    return this;
  }
  u32(v: number): this {
    this.ensure(4);
    const b = this.buf;
    const at = this.length;
    b[at] = (v >>> 24) & 0xff;
    b[at + 1] = (v >>> 16) & 0xff;
    b[at + 2] = (v >>> 8) & 0xff;
    b[at + 3] = v & 0xff;
    this.length += 4;
    return this;
  }
  /** A counter written by u64Number; 2^64 and above (the "not kept" all ones read back) as all ones. */
  u64Number(v: number): this {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`a u64 counter must be a whole number >= 0, not ${v}`);
    if (v >= 2 ** 64) return this.u32(0xffffffff).u32(0xffffffff);
    const high = Math.floor(v / 0x1_0000_0000);
    return this.u32(high).u32(v - high * 0x1_0000_0000);
  }
  u64(v: bigint): this {
    if (v === 0n) return this.zeros(8);
    this.ensure(8);
    this.buf.writeBigUInt64BE(BigInt.asUintN(64, v), this.length);
    this.length += 8;
    return this;
  }
  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }
  zeros(n: number): this {
    this.ensure(n);
    const b = this.buf;
    for (let i = 0; i < n; i++) b[this.length + i] = 0;
    this.length += n;
    return this;
  }
  /** Pads with zeros to a multiple of `align` bytes counted from `from`. */
  padTo(align: number, from = 0): this {
    const rem = (this.length - from) % align;
    return rem === 0 ? this : this.zeros(align - rem);
  }
  setU16(at: number, v: number): void {
    this.buf[at] = (v >>> 8) & 0xff;
    this.buf[at + 1] = v & 0xff;
  }
  setU32(at: number, v: number): void {
    this.buf.writeUInt32BE(v >>> 0, at);
  }
  /** A copy of the bytes written so far. */
  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.length));
  }
  /** The bytes written so far without copying; the writer must not be used afterwards. */
  take(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

export const pad8 = (n: number): number => (n + 7) & ~7;
