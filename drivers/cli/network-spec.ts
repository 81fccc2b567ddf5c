// `ovsnet network create NAME …` as a network request, with Docker's option names and
// defaults: each --gateway and --ip-range belongs to the --subnet of its family (the n-th
// of a family to the n-th subnet of that family, as Docker pairs them), a subnet
// without --gateway gets its first host address as gateway, ICC is on and the network is
// not internal unless told. Pure: the daemon validates the result again.
import {
  defaultGateway,
  networkIdForName,
  parseNetworkRules,
  type NetworkSpec,
  type SubnetSpec,
} from '../../controller/api';
import { UsageError, type ParsedArgs } from './args';

const CREATE_OPTIONS = new Set([
  'subnet',
  'gateway',
  'ip-range',
  'icc',
  'mtu',
  'vni',
  'tunnel',
  'allow',
  'control',
  'state-dir',
]);
const CREATE_FLAGS = new Set(['internal', 'json']);
const NAME = /^[0-9A-Za-z][0-9A-Za-z_.-]{0,127}$/;

export const CREATE_USAGE =
  'usage: ovsnet network create NAME --subnet CIDR [--subnet CIDR6] [--gateway IP] [--ip-range CIDR] [--icc=false] [--internal] [--mtu N] [--vni N] [--tunnel vxlan|gre] [--allow FROM>TO[:SERVICE]]...';

export function networkSpecFrom(args: ParsedArgs): NetworkSpec {
  for (const name of args.options.keys())
    if (!CREATE_OPTIONS.has(name)) throw new UsageError(`ovsnet network create: unknown option --${name}`);
  for (const flag of args.flags)
    if (!CREATE_FLAGS.has(flag)) throw new UsageError(`ovsnet network create: unknown option --${flag}`);
  const [, name, extra] = args.positionals;
  if (name === undefined) throw new UsageError(CREATE_USAGE);
  if (extra !== undefined) throw new UsageError(`ovsnet network create: unexpected argument "${extra}"`);
  if (!NAME.test(name))
    throw new UsageError(
      `network name "${name}" must be 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
  for (const single of ['icc', 'mtu', 'vni', 'tunnel'])
    if ((args.repeated.get(single) ?? []).length > 1) throw new UsageError(`--${single} given more than once`);
  const subnets = (args.repeated.get('subnet') ?? []).map((pool) => ({ pool, family: familyOf(pool, '--subnet') }));
  if (subnets.length === 0) throw new UsageError(`ovsnet network create needs at least one --subnet (${CREATE_USAGE})`);
  const specs: Array<SubnetSpec & { family: 4 | 6 }> = subnets.map((s) => ({ pool: s.pool, family: s.family }));
  attach(specs, args.repeated.get('gateway') ?? [], '--gateway', (s, v) => (s.gateway = v));
  attach(specs, args.repeated.get('ip-range') ?? [], '--ip-range', (s, v) => (s.ipRange = v));
  for (const s of specs) {
    if (s.gateway !== undefined) continue;
    const gateway = defaultGateway(s.pool);
    if (gateway !== undefined) s.gateway = gateway;
  }
  const strip = ({ family, ...subnet }: SubnetSpec & { family: 4 | 6 }): SubnetSpec => (void family, subnet);
  const spec: NetworkSpec = {
    id: networkIdForName(name),
    name,
    key: name,
    ipv4: specs.filter((s) => s.family === 4).map(strip),
    ipv6: specs.filter((s) => s.family === 6).map(strip),
    icc: booleanOption(args.options.get('icc'), '--icc', true),
    internal: args.flags.has('internal'),
  };
  const mtu = wholeNumber(args.options.get('mtu'), '--mtu');
  if (mtu !== undefined) spec.mtu = mtu;
  const vni = wholeNumber(args.options.get('vni'), '--vni');
  if (vni !== undefined) spec.vni = vni;
  const tunnel = args.options.get('tunnel');
  if (tunnel !== undefined) {
    if (tunnel !== 'vxlan' && tunnel !== 'gre') throw new UsageError(`--tunnel must be vxlan or gre, not "${tunnel}"`);
    spec.tunnel = tunnel;
  }
  const allow = (args.repeated.get('allow') ?? []).flatMap((text) => {
    try {
      return parseNetworkRules(text);
    } catch (error) {
      throw new UsageError(`--allow: ${(error as Error).message}`);
    }
  });
  if (allow.length > 0) spec.allow = allow;
  return spec;
}

/** Gives each value to the one subnet of its family that holds it. */
function attach(
  subnets: Array<SubnetSpec & { family: 4 | 6 }>,
  values: readonly string[],
  option: string,
  set: (subnet: SubnetSpec, value: string) => void,
): void {
  for (const value of values) {
    const family = familyOf(value, option);
    const sameFamily = subnets.filter((s) => s.family === family);
    // The daemon checks that it lies inside the subnet it was paired with.
    const index = values.filter((v) => familyOf(v, option) === family).indexOf(value);
    const home = sameFamily.length === 1 ? sameFamily[0] : sameFamily[index];
    if (home === undefined) throw new UsageError(`${option} ${value} has no --subnet of its family to belong to`);
    set(home, value);
  }
}

function familyOf(text: string, option: string): 4 | 6 {
  if (text === '') throw new UsageError(`${option} needs a value`);
  return text.includes(':') ? 6 : 4;
}

function booleanOption(text: string | undefined, option: string, fallback: boolean): boolean {
  if (text === undefined) return fallback;
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new UsageError(`${option} must be true or false, not "${text}"`);
}

function wholeNumber(text: string | undefined, option: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]{1,9}$/.test(text)) throw new UsageError(`${option} must be a whole number, not "${text}"`);
  return Number(text);
}
