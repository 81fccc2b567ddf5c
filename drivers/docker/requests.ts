// Validation of each libnetwork request into the controller's types. Missing or mistyped
// fields are refused with a message naming the field; nothing reaches the controller
// half-parsed.
import type { AddressRequest, EndpointSpec, NetworkSpec, PoolRequest, PortBinding } from '../../controller/api';
import { addressOf, parseCidr, type Family } from './addresses';
import { badRequest } from './errors';
import { optionalBoolean, optionalObject, optionalString, requiredString, stringMap, type JsonObject } from './fields';
import { parseNetworkOptions } from './options';
import { parsePortMap } from './portmap';
import { DockerKeys } from './protocol';
import { parseIpamData } from './subnets';

export interface EndpointRef {
  networkId: string;
  endpointId: string;
}

export function networkIdOf(body: JsonObject): string {
  return requiredString(body, 'NetworkID');
}

export function endpointRefOf(body: JsonObject): EndpointRef {
  return { networkId: requiredString(body, 'NetworkID'), endpointId: requiredString(body, 'EndpointID') };
}

export interface CreateNetworkCall {
  spec: NetworkSpec;
  /** Generic option keys that were neither ovsnet's nor refused (for a log line). */
  ignoredOptions: string[];
}

export function toCreateNetwork(body: JsonObject): CreateNetworkCall {
  const id = networkIdOf(body);
  const options = parseNetworkOptions(body['Options']);
  const spec: NetworkSpec = {
    id,
    ipv4: parseIpamData(body['IPv4Data'], 4),
    ipv6: parseIpamData(body['IPv6Data'], 6),
    icc: options.icc,
    internal: options.internal,
  };
  if (options.key !== undefined) spec.key = options.key;
  if (options.mtu !== undefined) spec.mtu = options.mtu;
  if (options.vni !== undefined) spec.vni = options.vni;
  if (options.tunnel !== undefined) spec.tunnel = options.tunnel;
  // The daemon puts them in their canonical order and drops duplicates.
  if (options.allow !== undefined) spec.allow = options.allow;
  return { spec, ignoredOptions: options.ignored };
}

const MAC_PATTERN = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

function endpointAddress(iface: JsonObject, field: string, family: Family): string | undefined {
  const text = optionalString(iface, field, 'Interface.');
  if (text === undefined) return undefined;
  const cidr = parseCidr(text, `Interface.${field}`);
  if (cidr.family !== family) throw badRequest(`Interface.${field} ${text} is not an IPv${family} address`);
  return `${cidr.address}/${cidr.prefix}`;
}

export function toEndpointSpec(body: JsonObject): EndpointSpec {
  const ref = endpointRefOf(body);
  const iface = optionalObject(body, 'Interface');
  const spec: EndpointSpec = { ...ref };
  const ipv4 = endpointAddress(iface, 'Address', 4);
  const ipv6 = endpointAddress(iface, 'AddressIPv6', 6);
  const mac = optionalString(iface, 'MacAddress', 'Interface.');
  if (mac !== undefined && !MAC_PATTERN.test(mac)) {
    throw badRequest(`Interface.MacAddress must look like 02:42:ac:11:00:02, got "${mac}"`);
  }
  if (ipv4 !== undefined) spec.ipv4 = ipv4;
  if (ipv6 !== undefined) spec.ipv6 = ipv6;
  if (mac !== undefined) spec.mac = mac.toLowerCase();
  optionalObject(body, 'Options');
  return spec;
}

export function toJoin(body: JsonObject): EndpointRef & { sandboxKey: string } {
  const ref = endpointRefOf(body);
  optionalObject(body, 'Options');
  return { ...ref, sandboxKey: requiredString(body, 'SandboxKey') };
}

export function toPublish(body: JsonObject): EndpointRef & { ports: PortBinding[] } {
  const ref = endpointRefOf(body);
  return { ...ref, ports: parsePortMap(optionalObject(body, 'Options')) };
}

export function toPoolRequest(body: JsonObject): PoolRequest {
  const v6 = optionalBoolean(body, 'V6') ?? false;
  const request: PoolRequest = { addressSpace: requiredString(body, 'AddressSpace'), v6 };
  const family: Family = v6 ? 6 : 4;
  const pool = optionalString(body, 'Pool');
  const subPool = optionalString(body, 'SubPool');
  if (pool !== undefined) {
    const cidr = parseCidr(pool, 'Pool');
    if (cidr.family !== family) throw badRequest(`Pool ${pool} is not an IPv${family} subnet but V6 is ${v6}`);
    request.pool = pool;
  }
  if (subPool !== undefined) {
    if (pool === undefined) throw badRequest('SubPool (--ip-range) needs a Pool (--subnet)');
    const cidr = parseCidr(subPool, 'SubPool');
    if (cidr.family !== family) throw badRequest(`SubPool ${subPool} is not an IPv${family} range`);
    request.subPool = subPool;
  }
  const options = stringMap(body['Options'], 'Options');
  if (Object.keys(options).length > 0) request.options = options;
  return request;
}

/** RequestAddress: the kind is read from the options Docker attaches to each purpose. */
export function toAddressRequest(body: JsonObject): AddressRequest {
  const request: AddressRequest = { poolId: requiredString(body, 'PoolID') };
  const address = optionalString(body, 'Address');
  if (address !== undefined) request.address = addressOf(address, 'Address').address;
  const options = stringMap(body['Options'], 'Options');
  const owner = options[DockerKeys.endpointName];
  if (options[DockerKeys.requestAddressType] === DockerKeys.gatewayAddressType) request.kind = 'gateway';
  else if (owner !== undefined) request.kind = 'endpoint';
  else if (address !== undefined) request.kind = 'aux'; // --aux-address: an explicit address, no owner
  if (owner !== undefined && owner !== '') request.owner = owner;
  return request;
}

export function toReleaseAddress(body: JsonObject): { poolId: string; address: string } {
  return {
    poolId: requiredString(body, 'PoolID'),
    address: addressOf(requiredString(body, 'Address'), 'Address').address,
  };
}
