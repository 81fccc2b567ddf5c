// Field values between their text/number form and bytes: MACs as "aa:bb:cc:dd:ee:ff",
// IPv4/IPv6 in dotted or colon form, integers as number (or bigint for 64 bits).
import { OfpDecodeError, type Writer } from './buffer';
import type { FieldDef } from './fields';

export type FieldValue = number | bigint | string;

export class OfpEncodeError extends Error {
  readonly code = 'OFP_ENCODE' as const;
}

function macBytes(text: string, field: string): Buffer {
  if (!/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/.test(text))
    throw new OfpEncodeError(`${field}: "${text}" is not a MAC address`);
  return Buffer.from(text.split(':').map((h) => Number.parseInt(h, 16)));
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

function ipv4Bytes(text: string, field: string): Buffer {
  if (!IPV4.test(text)) throw new OfpEncodeError(`${field}: "${text}" is not an IPv4 address`);
  return Buffer.from(text.split('.').map(Number));
}

/** 16 bytes of an IPv6 address in RFC 4291 text form (with "::" and a dotted IPv4 tail). */
function ipv6Bytes(text: string, field: string): Buffer {
  const bad = (): OfpEncodeError => new OfpEncodeError(`${field}: "${text}" is not an IPv6 address`);
  let head = text;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (lastColon >= 0 && text.slice(lastColon + 1).includes('.')) {
    const dotted = text.slice(lastColon + 1);
    if (!IPV4.test(dotted)) throw bad();
    const v4 = ipv4Bytes(dotted, field);
    tail.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    // Keep what precedes the dotted tail; "x::1.2.3.4" keeps its "::".
    head = text.slice(0, lastColon);
    if (head.endsWith(':')) head += ':';
  }
  const halves = head.split('::');
  if (halves.length > 2) throw bad();
  const groups = (part: string | undefined): string[] => (part === undefined || part === '' ? [] : part.split(':'));
  const left = groups(halves[0]);
  const right = groups(halves[1]);
  for (const g of [...left, ...right]) if (!HEX_GROUP.test(g)) throw bad();
  const given = left.length + right.length + tail.length;
  if (halves.length === 1 ? given !== 8 : given > 7) throw bad();
  const words = [
    ...left.map((g) => Number.parseInt(g, 16)),
    ...new Array<number>(8 - given).fill(0),
    ...right.map((g) => Number.parseInt(g, 16)),
    ...tail,
  ];
  const out = Buffer.alloc(16);
  words.forEach((w, i) => out.writeUInt16BE(w, i * 2));
  return out;
}

export function encodeValue(def: FieldDef, value: FieldValue): Buffer {
  const out = Buffer.alloc(def.length);
  switch (def.kind) {
    case 'mac':
      return macBytes(String(value), def.name);
    case 'ipv4':
      return ipv4Bytes(String(value), def.name);
    case 'ipv6':
      return ipv6Bytes(String(value), def.name);
    case 'u64':
    case 'u128': {
      const bits = def.length * 8;
      const n = typeof value === 'string' && !/^(0x)?[0-9a-f]+$/i.test(value) ? -1n : BigInt(value);
      if (n < 0n || n >= 1n << BigInt(bits))
        throw new OfpEncodeError(`${def.name}: ${String(value)} does not fit in ${bits} bits`);
      out.writeBigUInt64BE(n & 0xffffffffffffffffn, def.length - 8);
      if (def.length === 16) out.writeBigUInt64BE(n >> 64n, 0);
      return out;
    }
    case 'u8':
    case 'u16':
    case 'u32': {
      const n = Number(value);
      const max = 2 ** (def.length * 8) - 1;
      if (!Number.isInteger(n) || n < 0 || n > max)
        throw new OfpEncodeError(`${def.name}: ${String(value)} does not fit in ${def.length * 8} bits`);
      out.writeUIntBE(n, 0, def.length);
      return out;
    }
  }
}

export function decodeValue(def: FieldDef, bytes: Buffer): FieldValue {
  if (bytes.length !== def.length)
    throw new OfpDecodeError(`${def.name}: ${bytes.length} bytes where ${def.length} are expected`, 'bad_oxm_length');
  switch (def.kind) {
    case 'mac':
      return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
    case 'ipv4':
      return [...bytes].join('.');
    case 'ipv6':
      return formatIpv6(bytes);
    case 'u64':
      return bytes.readBigUInt64BE(0);
    case 'u128':
      return (bytes.readBigUInt64BE(0) << 64n) | bytes.readBigUInt64BE(8);
    case 'u8':
    case 'u16':
    case 'u32':
      return bytes.readUIntBE(0, def.length);
  }
}

export function formatIpv6(bytes: Buffer): string {
  const words = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2));
  // Longest run of zeros (length >= 2) becomes "::" (RFC 5952).
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Writes "aa:bb:cc:dd:ee:ff" as 6 bytes; false (nothing written) if it is not that shape. */
function writeMac(w: Writer, text: string): boolean {
  if (text.length !== 17) return false;
  for (let i = 2; i < 17; i += 3) if (text.charCodeAt(i) !== 58) return false;
  const out: number[] = [0, 0, 0, 0, 0, 0];
  for (let i = 0; i < 6; i++) {
    const hi = hexDigit(text.charCodeAt(i * 3));
    const lo = hexDigit(text.charCodeAt(i * 3 + 1));
    if (hi < 0 || lo < 0) return false;
    out[i] = (hi << 4) | lo;
  }
  for (const b of out) w.u8(b);
  return true;
}

/**
 * Writes a field value straight into the writer. The common shapes (small integers, MACs)
 * take a fast path without allocating; everything else goes through encodeValue, which
 * also produces the error messages.
 */
export function writeValue(w: Writer, def: FieldDef, value: FieldValue): void {
  if (typeof value === 'number' && value >= 0 && Number.isInteger(value)) {
    if (def.kind === 'u32' && value <= 0xffffffff) {
      w.u32(value);
      return;
    }
    if (def.kind === 'u16' && value <= 0xffff) {
      w.u16(value);
      return;
    }
    if (def.kind === 'u8' && value <= 0xff) {
      w.u8(value);
      return;
    }
  }
  if (def.kind === 'mac' && typeof value === 'string' && writeMac(w, value)) return;
  w.bytes(encodeValue(def, value));
}
