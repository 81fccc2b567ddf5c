// CreateNetwork's IPv4Data / IPv6Data: one entry per pool, with the gateway and
// --aux-address values written as CIDRs (address + the pool's prefix). The controller wants
// plain addresses, so prefixes are stripped here after checking each address belongs to its
// pool and family.
import type { SubnetSpec } from '../../controller/api';
import { parseCidr, poolContains, type Family } from './addresses';
import { badRequest } from './errors';
import { isObject, optionalString } from './fields';

export function parseIpamData(raw: unknown, family: Family): SubnetSpec[] {
  const field = family === 4 ? 'IPv4Data' : 'IPv6Data';
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw badRequest(`${field} must be an array`);
  return raw.map((entry, index) => parseOne(entry, family, `${field}[${index}].`));
}

function parseOne(entry: unknown, family: Family, where: string): SubnetSpec {
  if (!isObject(entry)) throw badRequest(`${where.slice(0, -1)} must be an object`);
  const poolText = optionalString(entry, 'Pool', where);
  if (poolText === undefined) throw badRequest(`${where}Pool is missing`);
  const pool = parseCidr(poolText, `${where}Pool`);
  if (pool.family !== family) throw badRequest(`${where}Pool ${poolText} is not an IPv${family} subnet`);

  const inPool = (text: string, what: string): string => {
    const cidr = parseCidr(text, what);
    if (cidr.family !== family || !poolContains(pool, cidr.address)) {
      throw badRequest(`${what} ${text} is not inside the pool ${poolText}`);
    }
    return cidr.address;
  };

  const subnet: SubnetSpec = { pool: `${pool.address}/${pool.prefix}` };
  const gateway = optionalString(entry, 'Gateway', where);
  if (gateway !== undefined) subnet.gateway = inPool(gateway, `${where}Gateway`);
  const aux = entry['AuxAddresses'];
  if (aux !== undefined && aux !== null) {
    if (!isObject(aux)) throw badRequest(`${where}AuxAddresses must be an object of name -> address`);
    const auxAddresses: Record<string, string> = {};
    for (const [name, value] of Object.entries(aux)) {
      if (typeof value !== 'string') throw badRequest(`${where}AuxAddresses["${name}"] must be a string`);
      auxAddresses[name] = inPool(value, `${where}AuxAddresses["${name}"]`);
    }
    if (Object.keys(auxAddresses).length > 0) subnet.auxAddresses = auxAddresses;
  }
  return subnet;
}
