// What each host's ovs-vswitchd did during a job: how many times it reconfigured its bridges
// (its `bridge_reconfigure` coverage counter: one per wake-up that saw a database change or
// a link change in its namespace, each at a cost in proportion to its ports) and the CPU
// time it used (user + system, from /proc). Read before and after, the difference is the
// job's.
import { readFileSync } from 'node:fs';
import type { Lab } from '../../../vagrant/emulation/lab';

export interface SwitchCounts {
  host: string;
  reconfigurations: number;
  cpuMs: number;
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
  return Promise.all(
    lab.hosts.map(async (host) => {
      const vswitchd = switches.find((p) => p.host === host.name);
      if (!vswitchd) throw new Error(`${host.name} has no ovs-vswitchd`);
      const counter = await lab.execOk(host.name, ['ovs-appctl', 'coverage/read-counter', 'bridge_reconfigure']);
      return { host: host.name, reconfigurations: Number(counter.trim()), cpuMs: cpuMsOf(vswitchd.pid) };
    }),
  );
}

export function describeSwitchCounts(before: SwitchCounts[], after: SwitchCounts[], joinsPerHost: number): string {
  const parts = after.map((a) => {
    const b = before.find((x) => x.host === a.host);
    const reconfigurations = a.reconfigurations - (b?.reconfigurations ?? 0);
    const cpuMs = a.cpuMs - (b?.cpuMs ?? 0);
    return `${a.host} ${reconfigurations} (${(reconfigurations / joinsPerHost).toFixed(1)} per join), CPU ${(cpuMs / 1000).toFixed(1)} s`;
  });
  return `ovs-vswitchd during the job: bridge reconfigurations ${parts.join('; ')}`;
}
