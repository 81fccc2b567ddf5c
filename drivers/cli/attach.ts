// `ovsnet attach …` and the `ovs-docker` entry point: ovs-docker's commands and argument
// shapes (`--ipaddress=ADDR` style options after the positionals), so existing scripts run
// unchanged, plus --db, --netns, --network and --vlan.
import { addPort, delPort, delPorts, setVlan, type AddPortRequest, type AttachOptions } from '../../controller/api';
import { COMMAND_STARTED_AT } from './ask-daemon';
import { UsageError } from './args';

export const ATTACH_HELP = (
  util: string,
): string => `${util}: attach containers to Open vSwitch bridges by hand (ovs-docker compatible)
usage: ${util} COMMAND [--db=REMOTE]

Commands:
  add-port BRIDGE INTERFACE CONTAINER [--ipaddress=ADDRESS[/PREFIX]] [--gateway=GATEWAY]
                    [--macaddress=MAC] [--mtu=MTU] [--vlan=TAG] [--netns=PID|PATH]
                    [--network=NETWORK]
                    Creates INTERFACE inside CONTAINER and connects it as a port of BRIDGE.
  del-port BRIDGE INTERFACE CONTAINER
                    Removes INTERFACE of CONTAINER and its port on BRIDGE.
  del-ports BRIDGE CONTAINER
                    Removes every interface of CONTAINER attached to BRIDGE.
  set-vlan BRIDGE INTERFACE CONTAINER VLAN
                    Makes the port of INTERFACE an access port of VLAN.

CONTAINER is a Docker container name or id (DOCKER_HOST is honoured), or with --netns any
label for the network namespace given by process id or path. OVSDB is found as ovs-vsctl
finds it: --db=unix:PATH|tcp:HOST:PORT, else $OVS_RUNDIR/db.sock, else
/var/run/openvswitch/db.sock. On the bridge of a running ovsnet daemon the port joins an
ovsnet network (--network, or the one whose subnet holds --ipaddress) and gets its flows;
with --network and no --ipaddress the network picks the port's address.
`;

const ADD_OPTIONS = new Set(['ipaddress', 'gateway', 'macaddress', 'mtu', 'vlan', 'netns', 'network', 'db']);

interface Parsed {
  positionals: string[];
  options: Map<string, string>;
}

function parse(argv: readonly string[], allowed: Set<string>, command: string): Parsed {
  const parsed: Parsed = { positionals: [], options: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) {
      parsed.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (!allowed.has(name)) throw new UsageError(`${command}: unknown option "${arg}"`);
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') throw new UsageError(`${command}: --${name} needs a value`);
    if (parsed.options.has(name)) throw new UsageError(`${command}: --${name} given twice`);
    parsed.options.set(name, value);
  }
  return parsed;
}

function integer(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]+$/.test(text)) throw new UsageError(`${what} must be a whole number, not "${text}"`);
  return Number(text);
}

function expectPositionals(parsed: Parsed, count: number, shape: string, command: string): string[] {
  if (parsed.positionals.length < count)
    throw new UsageError(`${command}: not enough arguments (usage: ${command} ${shape})`);
  if (parsed.positionals.length > count)
    throw new UsageError(
      `${command}: unexpected argument "${parsed.positionals[count] ?? ''}" (usage: ${command} ${shape})`,
    );
  return parsed.positionals;
}

/** Runs one attach command; returns the exit status (errors are thrown). */
export async function runAttach(argv: readonly string[], util: string, base: AttachOptions): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(ATTACH_HELP(util));
    return 0;
  }
  // The command began with its process: a daemon asked to do the work bounds its wait for
  // the cluster store from then, so the command's own start-up is not added to the bound.
  const withDb = (parsed: Parsed): AttachOptions => {
    const db = parsed.options.get('db');
    return { ...base, startedAt: COMMAND_STARTED_AT, ...(db !== undefined ? { db } : {}) };
  };
  if (command === 'add-port') {
    const parsed = parse(rest, ADD_OPTIONS, command);
    const [bridge, ifname, container] = expectPositionals(
      parsed,
      3,
      'BRIDGE INTERFACE CONTAINER [options]',
      command,
    ) as [string, string, string];
    const o = parsed.options;
    const request: AddPortRequest = { bridge, ifname, container };
    const set = <K extends keyof AddPortRequest>(key: K, value: AddPortRequest[K] | undefined): void => {
      if (value !== undefined) request[key] = value;
    };
    set('address', o.get('ipaddress'));
    set('gateway', o.get('gateway'));
    set('mac', o.get('macaddress'));
    set('mtu', integer(o.get('mtu'), '--mtu'));
    set('vlan', integer(o.get('vlan'), '--vlan'));
    set('netns', o.get('netns'));
    set('network', o.get('network'));
    await addPort(request, withDb(parsed));
    return 0;
  }
  if (command === 'del-port') {
    const parsed = parse(rest, new Set(['db']), command);
    const [bridge, ifname, container] = expectPositionals(parsed, 3, 'BRIDGE INTERFACE CONTAINER', command) as [
      string,
      string,
      string,
    ];
    await delPort(bridge, ifname, container, withDb(parsed));
    return 0;
  }
  if (command === 'del-ports') {
    const parsed = parse(rest, new Set(['db']), command);
    const [bridge, container] = expectPositionals(parsed, 2, 'BRIDGE CONTAINER', command) as [string, string];
    await delPorts(bridge, container, withDb(parsed));
    return 0;
  }
  if (command === 'set-vlan') {
    const parsed = parse(rest, new Set(['db']), command);
    const [bridge, ifname, container, vlan] = expectPositionals(
      parsed,
      4,
      'BRIDGE INTERFACE CONTAINER VLAN',
      command,
    ) as [string, string, string, string];
    await setVlan(bridge, ifname, container, integer(vlan, 'VLAN') as number, withDb(parsed));
    return 0;
  }
  throw new UsageError(`unknown command "${command}" (use --help for help)`);
}
