// One `ovsnet daemon` per host, the real CLI in the host's namespace, talking to that host's
// OVS and serving that host's plugin directory. Cluster options (--etcd and the ones beside
// it) are passed only when this build's `ovsnet --help` documents them, so the lab joins
// its hosts through etcd by itself once ovsnet knows how, and stays single-host until then.
import { mkdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { INTEGRATION_BRIDGE, type HostPlan, type LabPlan } from './plan';
import { isRunning, sleep, spawnDetached, tail } from './processes';
import { inNetns, runOk } from './run';
import type { ProcessRecord } from './state';
import { withHostname } from './uts';

/** The built ovsnet CLI (dist/drivers/cli/main.js), beside this file's compiled form. */
export const OVSNET_CLI = join(__dirname, '..', '..', 'drivers', 'cli', 'main.js');

/**
 * node's flags from the CLI's shebang (`#!/usr/bin/env -S node FLAGS…`): the lab starts the
 * daemon as the installed `ovsnet` command would run, with node given explicitly.
 */
export function cliNodeFlags(cli = OVSNET_CLI): string[] {
  const first = readFileSync(cli, 'utf8').split('\n', 1)[0] ?? '';
  const words = first.replace(/^#!/, '').trim().split(/\s+/);
  const node = words.indexOf('node');
  return node < 0 ? [] : words.slice(node + 1);
}

/** Every `--option` a help text mentions. */
export function documentedOptions(help: string): Set<string> {
  return new Set([...help.matchAll(/(?<![\w-])--([a-z][a-z0-9-]*)/g)].map((m) => m[1] as string));
}

export async function readDaemonOptions(): Promise<Set<string>> {
  return documentedOptions(await runOk([process.execPath, OVSNET_CLI, 'daemon', '--help']));
}

/** Options that exist only with the multi-host store; each is passed when documented. */
function clusterOptions(plan: LabPlan, host: HostPlan): Array<[string, string | undefined]> {
  return [
    ['etcd', plan.etcd.url],
    ['tunnel-ip', host.underlayIp],
    ['docker-host', host.docker ? `unix://${host.docker.socket}` : undefined],
  ];
}

export function daemonArgs(plan: LabPlan, host: HostPlan, documented: ReadonlySet<string>): string[] {
  const args = [
    'daemon',
    '--ovsdb',
    `unix:${join(host.ovsDir, 'db.sock')}`,
    '--ovs-rundir',
    host.ovsDir,
    '--bridge',
    INTEGRATION_BRIDGE,
    '--datapath',
    'netdev',
    '--state-dir',
    host.stateDir,
    '--plugin-dir',
    host.pluginDir,
  ];
  for (const [option, value] of clusterOptions(plan, host))
    if (value !== undefined && documented.has(option)) args.push(`--${option}`, value);
  // A host without a dockerd of its own leaves every engine alone (the machine's included).
  if (!host.docker && args.includes('--etcd') && documented.has('no-docker-sync')) args.push('--no-docker-sync');
  return args;
}

function accepts(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts the daemon and resolves once both its control socket and plugin socket accept. */
export async function startOvsnetDaemon(
  plan: LabPlan,
  host: HostPlan,
  documented: ReadonlySet<string>,
  record: (process: ProcessRecord) => void,
): Promise<void> {
  mkdirSync(host.pluginDir, { recursive: true });
  const argv = withHostname(host.name, [
    process.execPath,
    ...cliNodeFlags(),
    OVSNET_CLI,
    ...daemonArgs(plan, host, documented),
  ]);
  const daemon = spawnDetached(inNetns(host.netns, argv), host.daemonLog);
  record({ ...daemon, role: 'ovsnet', host: host.name });
  const sockets = [join(host.stateDir, 'ovsnet.ctl'), join(host.pluginDir, 'ovsnet.sock')];
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (!isRunning(daemon)) throw new Error(`${host.name}: ovsnet daemon exited:\n${tail(host.daemonLog)}`);
    if ((await Promise.all(sockets.map(accepts))).every(Boolean)) return;
    if (Date.now() > deadline) throw new Error(`${host.name}: ovsnet daemon not serving after 30 s`);
    await sleep(50);
  }
}
