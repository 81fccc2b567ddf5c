// Address parsing and checks the network model needs, with errors that name the offending
// value. Built on the ip-address package; nothing here allocates (that is IPAM's job).
import { Address4, Address6 } from 'ip-address';
import { invalid } from '../errors';

export type Family = 4 | 6;

export interface ParsedCidr {
  family: Family;
  /** Address part in canonical form. */
  address: string;
  prefix: number;
  /** Network address in canonical form. */
  network: string;
  /** Numeric first and last address of the prefix. */
  first: bigint;
  last: bigint;
  value: bigint;
}

function parse(text: string, what: string): Address4 | Address6 {
  try {
    if (text.includes(':')) return new Address6(text);
    return new Address4(text);
  } catch {
    throw invalid(`${what} "${text}" is not a valid IPv4 or IPv6 address`);
  }
}

/** Parses "a.b.c.d/n" or "x::y/n"; `requirePrefix` refuses a bare address. */
export function parseCidr(text: string, what = 'subnet', requirePrefix = true): ParsedCidr {
  if (typeof text !== 'string' || text === '') throw invalid(`${what} is missing`);
  if (requirePrefix && !text.includes('/')) throw invalid(`${what} "${text}" needs a prefix length, e.g. 10.1.0.0/24`);
  const addr = parse(text, what);
  const family: Family = addr instanceof Address6 ? 6 : 4;
  const prefix = addr.subnetMask;
  const max = family === 4 ? 32 : 128;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max)
    throw invalid(`${what} "${text}" has an invalid prefix length`);
  const value = addr.bigInt();
  const size = 1n << BigInt(max - prefix);
  const first = (value / size) * size;
  return {
    family,
    address: canonical(addr),
    prefix,
    network: canonical(family === 4 ? Address4.fromBigInt(first) : Address6.fromBigInt(first)),
    first,
    last: first + size - 1n,
    value,
  };
}

/** Parses a bare address (no prefix). */
export function parseAddress(text: string, what = 'address'): { family: Family; address: string; value: bigint } {
  if (typeof text !== 'string' || text === '') throw invalid(`${what} is missing`);
  if (text.includes('/')) throw invalid(`${what} "${text}" must be a plain address without a prefix length`);
  const addr = parse(text, what);
  return { family: addr instanceof Address6 ? 6 : 4, address: canonical(addr), value: addr.bigInt() };
}

export function canonical(addr: Address4 | Address6): string {
  return addr instanceof Address6 ? addr.correctForm() : addr.correctForm();
}

export function contains(subnet: ParsedCidr, value: bigint): boolean {
  return value >= subnet.first && value <= subnet.last;
}

export function overlaps(a: ParsedCidr, b: ParsedCidr): boolean {
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

export function formatAddress(family: Family, value: bigint): string {
  return canonical(family === 4 ? Address4.fromBigInt(value) : Address6.fromBigInt(value));
}

const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;

/** Normalises a unicast MAC; refuses malformed, multicast and all-zero addresses. */
export function parseMac(text: string, what = 'MAC address'): string {
  const mac = typeof text === 'string' ? text.toLowerCase().replace(/-/g, ':') : '';
  if (!MAC.test(mac)) throw invalid(`${what} "${text}" is not of the form aa:bb:cc:dd:ee:ff`);
  if ((Number.parseInt(mac.slice(0, 2), 16) & 1) === 1) throw invalid(`${what} "${text}" is a multicast address`);
  if (mac === '00:00:00:00:00:00') throw invalid(`${what} "${text}" is all zeros`);
  return mac;
}
