// What each host's ovs-vswitchd did during a job: how many times it reconfigured its bridges
// (its `bridge_reconfigure` coverage counter: one per wake-up that saw a database change or
// a link change in its namespace, each at a cost in proportion to its ports) and the CPU
// time it used (user + system, from /proc); beside them, the CPU time of each host's ovsnet
// daemon (idle during another contender's job, which shows it stayed out of the way). Read
// before and after, the difference is the job's.
import { readFileSync } from 'node:fs';
import type { Lab } from '../../../vagrant/emulation/lab';

export interface SwitchCounts {
  host: string;
  reconfigurations: number;
  cpuMs: number;
  daemonCpuMs: number;
}

const CLOCK_TICKS_PER_SECOND = 100;

function cpuMsOf(pid: number): number {
  // Fields after the command name, which is in parentheses and may hold spaces.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const user = Number(fields[11]);
  const system = Number(fields[12]);
  return ((user + system) * 1000) / CLOCK_TICKS_PER_SECOND;
}

export async function readSwitchCounts(lab: Lab): Promise<SwitchCounts[]> {
  const switches = lab.processes().filter((p) => p.role === 'ovs-vswitchd');
  const daemons = lab.processes().filter((p) => p.role === 'ovsnet');
  return Promise.all(
    lab.hosts.map(async (host) => {
      const vswitchd = switches.find((p) => p.host === host.name);
      if (!vswitchd) throw new Error(`${host.name} has no ovs-vswitchd`);
      const counter = await lab.execOk(host.name, ['ovs-appctl', 'coverage/read-counter', 'bridge_reconfigure']);
      const daemon = daemons.find((p) => p.host === host.name);
      return {
        host: host.name,
        reconfigurations: Number(counter.trim()),
        cpuMs: cpuMsOf(vswitchd.pid),
        daemonCpuMs: daemon ? cpuMsOf(daemon.pid) : 0,
      };
    }),
  );
}

export function describeSwitchCounts(before: SwitchCounts[], after: SwitchCounts[], joinsPerHost: number): string {
  const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  const deltas = after.map((a) => {
    const b = before.find((x) => x.host === a.host);
    return {
      host: a.host,
      reconfigurations: a.reconfigurations - (b?.reconfigurations ?? 0),
      cpuMs: a.cpuMs - (b?.cpuMs ?? 0),
      daemonCpuMs: a.daemonCpuMs - (b?.daemonCpuMs ?? 0),
    };
  });
  const switches = deltas.map(
    (d) =>
      `${d.host} ${d.reconfigurations} (${(d.reconfigurations / joinsPerHost).toFixed(1)} per join), CPU ${seconds(d.cpuMs)}`,
  );
  const daemons = deltas.map((d) => `${d.host} ${seconds(d.daemonCpuMs)}`);
  return `ovs-vswitchd during the job: bridge reconfigurations ${switches.join('; ')}; ovsnet daemons' CPU ${daemons.join(', ')}`;
}
