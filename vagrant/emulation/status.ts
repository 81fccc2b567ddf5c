// `lab status`: what the state file records and whether each recorded process still runs.
import { isRunning } from './processes';
import { readState, type LabState, type Role } from './state';

export interface HostStatus {
  name: string;
  netns: string;
  underlayIp: string;
  stateDir: string;
  dockerHost?: string;
  running: Partial<Record<Role, boolean>>;
}

export interface LabStatus {
  dir: string;
  prefix: string;
  complete: boolean;
  tunnel: string;
  etcd: { url: string; running: boolean };
  daemonOptions: string[];
  hosts: HostStatus[];
}

export function labStatus(state: LabState): LabStatus {
  const { plan } = state;
  const running = (role: Role, host?: string): boolean =>
    state.processes.some((p) => p.role === role && p.host === host && isRunning(p));
  return {
    dir: plan.dir,
    prefix: plan.prefix,
    complete: state.complete,
    tunnel: plan.tunnel,
    etcd: { url: plan.etcd.url, running: running('etcd') },
    daemonOptions: state.daemonOptions,
    hosts: plan.hosts.map((h) => ({
      name: h.name,
      netns: h.netns,
      underlayIp: h.underlayIp,
      stateDir: h.stateDir,
      ...(h.docker ? { dockerHost: `unix://${h.docker.socket}` } : {}),
      running: {
        'ovsdb-server': running('ovsdb-server', h.name),
        'ovs-vswitchd': running('ovs-vswitchd', h.name),
        ovsnet: running('ovsnet', h.name),
        ...(h.docker ? { dockerd: running('dockerd', h.name) } : {}),
      },
    })),
  };
}

export function formatStatus(status: LabStatus): string {
  const word = (up: boolean | undefined): string => (up === undefined ? '-' : up ? 'running' : 'DOWN');
  const rows = [
    ['HOST', 'NETNS', 'UNDERLAY', 'OVS', 'OVSNET', 'DOCKERD'],
    ...status.hosts.map((h) => [
      h.name,
      h.netns,
      h.underlayIp,
      word(h.running['ovsdb-server'] === true && h.running['ovs-vswitchd'] === true),
      word(h.running.ovsnet),
      word(h.running.dockerd),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const table = rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
  return [
    `lab ${status.dir} (namespaces ${status.prefix}-*)${status.complete ? '' : ' - INCOMPLETE: `up` did not finish'}`,
    `etcd ${status.etcd.url} ${word(status.etcd.running)}; tunnel ${status.tunnel}; ` +
      `daemon cluster options: ${status.daemonOptions.map((o) => `--${o}`).join(' ') || 'none (single-host ovsnet)'}`,
    ...table,
  ].join('\n');
}

export function statusOf(dir: string): LabStatus | undefined {
  const state = readState(dir);
  return state ? labStatus(state) : undefined;
}
