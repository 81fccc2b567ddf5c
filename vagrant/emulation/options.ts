// The `vagrant/lab` command line, parsed strictly: a typo is an error, never ignored.
import { DEFAULT_LAB_DIR, MAX_HOSTS, TUNNELS, type LabOptions, type Tunnel } from './plan';

export class LabUsageError extends Error {}

export type LabCommand =
  | { command: 'help' }
  | { command: 'up'; options: LabOptions }
  | { command: 'exec'; dir: string; host: string; argv: string[] }
  | { command: 'down'; dir: string }
  | { command: 'status'; dir: string; json: boolean };

export const USAGE = `vagrant/lab - emulated multi-host ovsnet lab on this machine

Usage:
  vagrant/lab up [--hosts N] [--docker] [--tunnel vxlan|gre] [--dir DIR]
      N hosts h1..hN (default 3): a network namespace each with its own Open vSwitch
      (br-phy on the underlay 172.31.0.0/24, br-int), ovsnet daemon and, with --docker,
      dockerd; one etcd at 172.31.0.254:2379 on the underlay
  vagrant/lab exec [--dir DIR] HOST -- COMMAND [ARG...]
      run COMMAND inside HOST: docker, ovs-vsctl, ovs-ofctl, etcdctl and ovsnet talk to
      that host's daemons
  vagrant/lab status [--dir DIR] [--json]
  vagrant/lab down [--dir DIR]
      remove everything the lab created (also after a failed or killed 'up')

DIR defaults to $OVSNET_LAB_DIR, else ${DEFAULT_LAB_DIR}.
`;

function takeValue(argv: readonly string[], i: number, name: string): string {
  const value = argv[i + 1];
  if (value === undefined || value.startsWith('--')) throw new LabUsageError(`${name} needs a value`);
  return value;
}

function parseHosts(text: string): number {
  if (!/^\d{1,3}$/.test(text) || Number(text) < 1 || Number(text) > MAX_HOSTS)
    throw new LabUsageError(`--hosts must be a whole number from 1 to ${MAX_HOSTS}, not "${text}"`);
  return Number(text);
}

function parseTunnel(text: string): Tunnel {
  if (!(TUNNELS as readonly string[]).includes(text))
    throw new LabUsageError(`--tunnel must be ${TUNNELS.join(' or ')}, not "${text}"`);
  return text as Tunnel;
}

export function parseLabArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): LabCommand {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h')
    return { command: 'help' };
  if (!['up', 'exec', 'status', 'down'].includes(command))
    throw new LabUsageError(`unknown command "${command}" (up, exec, status, down)`);
  let dir = env['OVSNET_LAB_DIR'] || DEFAULT_LAB_DIR;
  const up: LabOptions = { hosts: 3, docker: false, tunnel: 'vxlan', dir };
  let json = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string;
    if (arg === '--dir') dir = takeValue(rest, i++, arg);
    else if (command === 'up' && arg === '--hosts') up.hosts = parseHosts(takeValue(rest, i++, arg));
    else if (command === 'up' && arg === '--tunnel') up.tunnel = parseTunnel(takeValue(rest, i++, arg));
    else if (command === 'up' && arg === '--docker') up.docker = true;
    else if (command === 'status' && arg === '--json') json = true;
    else if (command === 'exec' && !arg.startsWith('-')) {
      const after = rest.slice(i + 1);
      const argv = after[0] === '--' ? after.slice(1) : after;
      if (argv.length === 0) throw new LabUsageError(`usage: vagrant/lab exec ${arg} -- COMMAND [ARG...]`);
      return { command: 'exec', dir, host: arg, argv };
    } else throw new LabUsageError(`unknown ${command === 'exec' ? 'exec ' : ''}argument "${arg}" (try --help)`);
  }
  switch (command) {
    case 'up':
      return { command: 'up', options: { ...up, dir } };
    case 'down':
      return { command: 'down', dir };
    case 'status':
      return { command: 'status', dir, json };
    default:
      throw new LabUsageError('usage: vagrant/lab exec HOST -- COMMAND [ARG...]');
  }
}
