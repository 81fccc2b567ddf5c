// `docker network create` options for ovsnet networks. `-o key=value` pairs arrive as
// strings nested under com.docker.network.generic; --internal and --ipv6 arrive as
// top-level booleans. Every ovsnet.* key is validated and unknown ones are refused, naming
// the key and what is accepted; Docker's own keys we do not use are ignored.
import { ALLOW_OPTION, parseNetworkRules, type NetworkAllowRule, type TunnelType } from '../../controller/api';
import { badRequest } from './errors';
import { isObject } from './fields';
import { DockerKeys } from './protocol';

export interface NetworkOptions {
  icc: boolean;
  internal: boolean;
  enableIpv4: boolean;
  enableIpv6: boolean;
  mtu?: number;
  vni?: number;
  tunnel?: TunnelType;
  /** ovsnet.name: the cross-host key that matches this network on other hosts. */
  key?: string;
  /** ovsnet.allow and ovsnet.allow.NAME: allow rules that come with the network. */
  allow?: NetworkAllowRule[];
  /** Generic keys that are neither ovsnet's nor refused, reported for a log line. */
  ignored: string[];
}

interface OvsnetKey {
  accepted: string;
  apply(value: string, into: NetworkOptions): boolean;
}

// Go's strconv.ParseBool, which Docker's bridge driver uses for its boolean options.
const TRUE_WORDS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE_WORDS = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

function parseBoolean(value: string): boolean | undefined {
  if (TRUE_WORDS.has(value)) return true;
  if (FALSE_WORDS.has(value)) return false;
  return undefined;
}

function parseInteger(value: string, min: number, max: number): number | undefined {
  if (!/^\d{1,9}$/.test(value)) return undefined;
  const n = Number.parseInt(value, 10);
  return n >= min && n <= max ? n : undefined;
}

const MTU_RANGE = 'an integer from 68 to 65535';
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

const OVSNET_KEYS: Record<string, OvsnetKey> = {
  'ovsnet.icc': {
    accepted: 'true or false',
    apply: (value, into) => assign(into, 'icc', parseBoolean(value)),
  },
  'ovsnet.mtu': {
    accepted: MTU_RANGE,
    apply: (value, into) => assign(into, 'mtu', parseInteger(value, 68, 65535)),
  },
  'ovsnet.vni': {
    accepted: 'an integer from 1 to 16777215',
    apply: (value, into) => assign(into, 'vni', parseInteger(value, 1, 16_777_215)),
  },
  'ovsnet.tunnel': {
    accepted: 'vxlan or gre',
    apply: (value, into) => assign(into, 'tunnel', value === 'vxlan' || value === 'gre' ? value : undefined),
  },
  'ovsnet.name': {
    accepted: 'a name of letters, digits, ".", "_" and "-" (at most 63, starting with a letter or digit)',
    apply: (value, into) => assign(into, 'key', NAME_PATTERN.test(value) ? value : undefined),
  },
};

/** Docker-defined generic keys ovsnet honours as aliases of its own. */
const DOCKER_ALIASES: Record<string, { alias: string; field: 'icc' | 'mtu' }> = {
  [DockerKeys.bridgeIcc]: { alias: 'ovsnet.icc', field: 'icc' },
  [DockerKeys.mtu]: { alias: 'ovsnet.mtu', field: 'mtu' },
};

function assign<K extends 'icc' | 'mtu' | 'vni' | 'tunnel' | 'key'>(
  into: NetworkOptions,
  field: K,
  value: NetworkOptions[K] | undefined,
): boolean {
  if (value === undefined) return false;
  into[field] = value;
  return true;
}

function refuse(key: string, value: string, accepted: string): never {
  throw badRequest(`invalid value "${value}" for option ${key}: accepted values are ${accepted}`);
}

/** `ovsnet.allow`, or `ovsnet.allow.NAME` for one more rule (or list) under a name of its own. */
const isAllowKey = (key: string): boolean => key === ALLOW_OPTION || /^ovsnet\.allow\.[A-Za-z0-9_-]+$/.test(key);

function allowRules(key: string, value: string): NetworkAllowRule[] {
  try {
    return parseNetworkRules(value);
  } catch (error) {
    throw badRequest(`invalid value for option ${key}: ${(error as Error).message}`);
  }
}

/** A top-level flag Docker sends as a JSON boolean (tolerating "true"/"false" strings). */
function topLevelBoolean(options: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const value = options[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const parsed = parseBoolean(value);
    if (parsed !== undefined) return parsed;
  }
  throw badRequest(`option ${key} must be true or false, got ${JSON.stringify(value)}`);
}

/** Parses CreateNetwork's Options map (null and absent mean no options). */
export function parseNetworkOptions(raw: unknown): NetworkOptions {
  if (raw !== undefined && raw !== null && !isObject(raw)) throw badRequest('Options must be an object');
  const options = (raw ?? {}) as Record<string, unknown>;
  const result: NetworkOptions = {
    icc: true,
    internal: topLevelBoolean(options, DockerKeys.internal, false),
    enableIpv4: topLevelBoolean(options, DockerKeys.enableIpv4, true),
    enableIpv6: topLevelBoolean(options, DockerKeys.enableIpv6, false),
    ignored: [],
  };
  for (const key of Object.keys(options)) {
    if (key.startsWith('ovsnet.')) {
      throw badRequest(`option ${key} must be given with -o (inside ${DockerKeys.generic}), not at the top level`);
    }
  }
  const generic = options[DockerKeys.generic];
  if (generic === undefined || generic === null) return result;
  if (!isObject(generic)) throw badRequest(`${DockerKeys.generic} must be an object of strings`);

  const fromOvsnet = new Map<string, string>();
  for (const [key, value] of Object.entries(generic)) {
    if (!key.startsWith('ovsnet.')) continue;
    if (typeof value !== 'string') throw badRequest(`option ${key} must be a string, got ${JSON.stringify(value)}`);
    if (isAllowKey(key)) {
      result.allow = [...(result.allow ?? []), ...allowRules(key, value)];
      continue;
    }
    const spec = OVSNET_KEYS[key];
    if (spec === undefined) {
      throw badRequest(
        `unknown option ${key}: ovsnet accepts ${[...Object.keys(OVSNET_KEYS), ALLOW_OPTION, `${ALLOW_OPTION}.NAME`].join(', ')}`,
      );
    }
    if (!spec.apply(value, result)) refuse(key, value, spec.accepted);
    fromOvsnet.set(key, value);
  }
  for (const [key, value] of Object.entries(generic)) {
    if (key.startsWith('ovsnet.')) continue;
    const alias = DOCKER_ALIASES[key];
    if (alias === undefined) {
      result.ignored.push(key);
      continue;
    }
    if (typeof value !== 'string') throw badRequest(`option ${key} must be a string, got ${JSON.stringify(value)}`);
    const spec = OVSNET_KEYS[alias.alias] as OvsnetKey;
    const before = result[alias.field];
    if (!spec.apply(value, result)) refuse(key, value, spec.accepted);
    const own = fromOvsnet.get(alias.alias);
    if (own !== undefined && result[alias.field] !== before) {
      throw badRequest(`options ${alias.alias}=${own} and ${key}=${value} contradict each other; give only one`);
    }
  }
  return result;
}
