// Address text as Docker writes it: pools and IPAM data carry CIDRs ("10.0.0.1/24"),
// while Join answers and some requests want plain addresses. Parsing is strict so a typo
// is reported here, with the field name, rather than deep in the controller.
import { Address4, Address6 } from 'ip-address';
import { badRequest } from './errors';

export type Family = 4 | 6;

export interface Cidr {
  /** The address part in canonical form, e.g. "10.0.0.1" or "fd00::1". */
  address: string;
  prefix: number;
  family: Family;
}

function parseAddress(text: string): Address4 | Address6 | undefined {
  if (Address4.isValid(text)) return new Address4(text);
  if (Address6.isValid(text) && !text.includes('%')) return new Address6(text);
  return undefined;
}

/** A "address/prefix" string; `what` names the field in the error. */
export function parseCidr(text: string, what: string): Cidr {
  const slash = text.lastIndexOf('/');
  const parsed = slash > 0 ? parseAddress(text) : undefined;
  if (parsed === undefined || !/^\d{1,3}$/.test(text.slice(slash + 1))) {
    throw badRequest(`${what} must be an address with a prefix length (CIDR) such as 10.0.0.0/24, got "${text}"`);
  }
  const family: Family = parsed instanceof Address4 ? 4 : 6;
  return { address: parsed.correctForm(), prefix: parsed.subnetMask, family };
}

/** A plain address without prefix. */
export function parseIp(text: string, what: string): { address: string; family: Family } {
  const parsed = text.includes('/') ? undefined : parseAddress(text);
  if (parsed === undefined) throw badRequest(`${what} must be an IP address without prefix, got "${text}"`);
  return { address: parsed.correctForm(), family: parsed instanceof Address4 ? 4 : 6 };
}

/** Accepts either form and returns the plain address (Docker sends plain IPs; tools may not). */
export function addressOf(text: string, what: string): { address: string; family: Family } {
  if (text.includes('/')) {
    const cidr = parseCidr(text, what);
    return { address: cidr.address, family: cidr.family };
  }
  return parseIp(text, what);
}

/** Whether a plain address lies inside a CIDR pool of the same family. */
export function poolContains(pool: Cidr, address: string): boolean {
  const network =
    pool.family === 4 ? new Address4(`${pool.address}/${pool.prefix}`) : new Address6(`${pool.address}/${pool.prefix}`);
  const candidate = parseAddress(address);
  if (candidate === undefined) return false;
  if (pool.family === 4) return candidate instanceof Address4 && candidate.isInSubnet(network);
  return candidate instanceof Address6 && candidate.isInSubnet(network);
}

/** Docker's Join answer wants plain gateway addresses; the controller may hand back CIDRs. */
export function stripPrefixIfAny(text: string): string {
  const slash = text.indexOf('/');
  return slash < 0 ? text : text.slice(0, slash);
}
