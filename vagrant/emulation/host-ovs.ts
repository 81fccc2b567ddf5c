// One Open vSwitch per emulated host, inside the host's namespace (the userspace datapath
// allows one ovs-vswitchd per namespace), every file in the host's own OVS directory.
// br-phy carries the host's underlay address: OVS userspace tunnels send from an address
// that lives on an OVS bridge, so the underlay port is a br-phy port and the host's
// underlay IP sits on br-phy's internal port. br-int is left to the ovsnet daemon.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { HOST_UNDERLAY_IFACE, PHYSICAL_BRIDGE, UNDERLAY_PREFIX_LENGTH, type HostPlan } from './plan';
import { readPid } from '../../controller/api';
import { identify, tail } from './processes';
import { inNetns, runOk } from './run';
import type { ProcessRecord } from './state';

const VSWITCH_SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';
type OvsDaemon = 'ovsdb-server' | 'ovs-vswitchd';

/**
 * Points every OVS tool at this host's instance: ovs-vsctl finds $OVS_RUNDIR/db.sock and
 * ovs-appctl finds each daemon through its pidfile there (default control socket names).
 */
export function ovsEnv(host: HostPlan): NodeJS.ProcessEnv {
  return { ...process.env, OVS_RUNDIR: host.ovsDir, OVS_LOGDIR: host.ovsDir, OVS_DBDIR: host.ovsDir };
}

export function ovsdbRemote(host: HostPlan): string {
  return `unix:${join(host.ovsDir, 'db.sock')}`;
}

function vsctl(host: HostPlan, ...args: string[]): Promise<string> {
  return runOk(['ovs-vsctl', `--db=${ovsdbRemote(host)}`, '--timeout=30', ...args], { env: ovsEnv(host) });
}

async function launch(host: HostPlan, daemon: OvsDaemon, args: string[]): Promise<ProcessRecord> {
  const pidfile = join(host.ovsDir, `${daemon}.pid`);
  const log = join(host.ovsDir, `${daemon}.log`);
  const argv = [daemon, '--detach', '--no-chdir', `--pidfile=${pidfile}`, `--log-file=${log}`, ...args];
  try {
    await runOk(inNetns(host.netns, argv), { env: ovsEnv(host), timeoutMs: 30_000 });
  } catch (error) {
    throw new Error(`${host.name}: ${daemon} did not start: ${String(error)}\n${tail(log)}`, { cause: error });
  }
  const pid = readPid(pidfile);
  const identity = pid === undefined ? undefined : identify(pid);
  if (!identity) throw new Error(`${host.name}: ${daemon} exited right after start\n${tail(log)}`);
  return { ...identity, role: daemon, host: host.name };
}

/** Starts the host's OVS and builds br-phy; each daemon is recorded the moment it has a pid. */
export async function startHostOvs(host: HostPlan, record: (process: ProcessRecord) => void): Promise<void> {
  mkdirSync(host.ovsDir, { recursive: true });
  const db = join(host.ovsDir, 'conf.db');
  if (!existsSync(db)) await runOk(['ovsdb-tool', 'create', db, VSWITCH_SCHEMA], { env: ovsEnv(host) });
  record(await launch(host, 'ovsdb-server', [`--remote=punix:${join(host.ovsDir, 'db.sock')}`, db]));
  await vsctl(host, '--no-wait', 'init');
  record(await launch(host, 'ovs-vswitchd', [ovsdbRemote(host)]));
  await vsctl(
    host,
    'add-br',
    PHYSICAL_BRIDGE,
    '--',
    'set',
    'bridge',
    PHYSICAL_BRIDGE,
    'datapath_type=netdev',
    'fail_mode=standalone',
    '--',
    'add-port',
    PHYSICAL_BRIDGE,
    HOST_UNDERLAY_IFACE,
  );
  await runOk(['ip', '-n', host.netns, '-batch', '-'], {
    input: [
      `addr add ${host.underlayIp}/${UNDERLAY_PREFIX_LENGTH} dev ${PHYSICAL_BRIDGE}`,
      `link set ${PHYSICAL_BRIDGE} up`,
    ].join('\n'),
  });
}
