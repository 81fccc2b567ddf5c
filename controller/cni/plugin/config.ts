// The network configuration a runtime passes on stdin, checked key by key: a bad value
// fails with code 7 naming the key. Keys ovsnet does not know are left alone (runtimes and
// chained plugins add their own).
import { isIP } from 'node:net';
import type { CniNetworkRequest, CniSubnet } from '../types';
import { CniCode, CniError } from './errors';
import { checkVersion, type CniVersion } from './versions';

export const DEFAULT_SOCKET = '/var/lib/ovsnet/ovsnet.ctl';

export interface NetConf {
  cniVersion: CniVersion;
  name: string;
  /** The daemon's control socket ("socket"). */
  socket: string;
  network: CniNetworkRequest;
  /** The IPAM plugin to delegate to; absent for ovsnet's own IPAM. */
  delegateIpam?: string;
  /** The config's "dns", passed into the result as the reference plugins do. */
  dns?: Record<string, unknown>;
  prevResult?: Record<string, unknown>;
  runtimeConfig: { ips?: string[]; mac?: string };
  /** The bytes read, passed on unchanged to a delegated plugin. */
  raw: string;
}

type Json = Record<string, unknown>;

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

const bad = (key: string, message: string): CniError => new CniError(CniCode.INVALID_CONFIG, `"${key}" ${message}`);

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(conf: Json, key: string, prefix = ''): string | undefined {
  const value = conf[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw bad(prefix + key, 'must be a non-empty string');
  return value;
}

function optionalBoolean(conf: Json, key: string): boolean | undefined {
  const value = conf[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw bad(key, `must be true or false, not ${JSON.stringify(value)}`);
  return value;
}

function optionalInteger(conf: Json, key: string, min: number, max: number): number | undefined {
  const value = conf[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw bad(key, `must be an integer from ${min} to ${max}, not ${JSON.stringify(value)}`);
  return value;
}

function cidr(value: unknown, key: string): string {
  const [address, prefix, extra] = typeof value === 'string' ? value.split('/') : [];
  const family = isIP(address ?? '');
  const bits = Number(prefix);
  if (family === 0 || extra !== undefined || !/^\d+$/.test(prefix ?? '') || bits > (family === 4 ? 32 : 128))
    throw bad(key, `must be a subnet in CIDR form such as 10.88.0.0/24, not ${JSON.stringify(value)}`);
  return value as string;
}

function gatewayOf(value: unknown, key: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || isIP(value) === 0)
    throw bad(key, `must be an IP address, not ${JSON.stringify(value)}`);
  return value;
}

/** `subnet` + `gateway`, or `ranges` as host-local writes them (sets of ranges, or ranges). */
function subnetsOf(conf: Json, prefix: string): CniSubnet[] {
  const out: CniSubnet[] = [];
  if (conf['subnet'] !== undefined) {
    const gateway = gatewayOf(conf['gateway'], `${prefix}gateway`);
    out.push({ subnet: cidr(conf['subnet'], `${prefix}subnet`), ...(gateway !== undefined ? { gateway } : {}) });
  }
  const ranges = conf['ranges'];
  if (ranges === undefined) return out;
  if (!Array.isArray(ranges)) throw bad(`${prefix}ranges`, 'must be a list of range sets');
  ranges.forEach((set: unknown, i) => {
    const first: unknown = Array.isArray(set) ? set[0] : set;
    const key = `${prefix}ranges[${i}]`;
    if (!isObject(first)) throw bad(key, 'must be a list of ranges, each an object with a "subnet"');
    const gateway = gatewayOf(first['gateway'], `${key}.gateway`);
    out.push({ subnet: cidr(first['subnet'], `${key}.subnet`), ...(gateway !== undefined ? { gateway } : {}) });
  });
  return out;
}

function runtimeConfigOf(conf: Json): NetConf['runtimeConfig'] {
  const rc = conf['runtimeConfig'];
  if (rc === undefined) return {};
  if (!isObject(rc)) throw bad('runtimeConfig', 'must be an object');
  const out: NetConf['runtimeConfig'] = {};
  if (rc['ips'] !== undefined) {
    if (!Array.isArray(rc['ips']) || rc['ips'].some((ip) => typeof ip !== 'string'))
      throw bad('runtimeConfig.ips', 'must be a list of addresses');
    out.ips = rc['ips'] as string[];
  }
  const mac = optionalString(rc, 'mac', 'runtimeConfig.');
  if (mac !== undefined) out.mac = mac;
  return out;
}

/** The configuration as a JSON object, or the spec's decoding error (code 6). */
export function decodeNetConf(raw: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new CniError(
      CniCode.DECODING_FAILURE,
      'the network configuration is not valid JSON',
      (error as Error).message,
    );
  }
  if (!isObject(parsed))
    throw new CniError(CniCode.DECODING_FAILURE, 'the network configuration must be a JSON object');
  return parsed;
}

export function parseNetConf(raw: string): NetConf {
  const conf = decodeNetConf(raw);
  const cniVersion = checkVersion(conf['cniVersion']);
  const name = optionalString(conf, 'name');
  if (name === undefined) throw bad('name', 'is missing: it names the ovsnet network');
  if (!NAME.test(name)) throw bad('name', `"${name}" must be letters, digits, '_', '.' or '-'`);
  const ipam = conf['ipam'];
  if (ipam !== undefined && !isObject(ipam)) throw bad('ipam', 'must be an object');
  const ipamType =
    ipam === undefined || Object.keys(ipam).length === 0 ? 'ovsnet' : optionalString(ipam, 'type', 'ipam.');
  if (ipamType === undefined) throw bad('ipam.type', 'is missing');
  const delegated = ipamType !== 'ovsnet';
  const subnets = subnetsOf(conf, '');
  if (subnets.length === 0 && delegated && ipam) subnets.push(...subnetsOf(ipam, 'ipam.'));
  const icc = optionalBoolean(conf, 'icc');
  const internal = optionalBoolean(conf, 'internal');
  const mtu = optionalInteger(conf, 'mtu', 68, 65535);
  const vni = optionalInteger(conf, 'vni', 1, 0xffffff);
  const tunnel = optionalString(conf, 'tunnel');
  if (tunnel !== undefined && tunnel !== 'vxlan' && tunnel !== 'gre') throw bad('tunnel', 'must be "vxlan" or "gre"');
  const bridge = optionalString(conf, 'bridge');
  const dns = conf['dns'];
  if (dns !== undefined && !isObject(dns)) throw bad('dns', 'must be an object');
  const prevResult = conf['prevResult'];
  if (prevResult !== undefined && !isObject(prevResult)) throw bad('prevResult', 'must be an object');
  return {
    cniVersion,
    name,
    socket: optionalString(conf, 'socket') ?? DEFAULT_SOCKET,
    network: {
      name,
      ...(bridge !== undefined ? { bridge } : {}),
      subnets,
      delegatedIpam: delegated,
      ...(icc !== undefined ? { icc } : {}),
      ...(internal !== undefined ? { internal } : {}),
      ...(mtu !== undefined ? { mtu } : {}),
      ...(vni !== undefined ? { vni } : {}),
      ...(tunnel !== undefined ? { tunnel } : {}),
    },
    ...(delegated ? { delegateIpam: ipamType } : {}),
    ...(dns !== undefined ? { dns } : {}),
    ...(prevResult !== undefined ? { prevResult } : {}),
    runtimeConfig: runtimeConfigOf(conf),
    raw,
  };
}
