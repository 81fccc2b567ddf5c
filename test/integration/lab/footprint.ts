// What a lab occupies on the machine, observed from outside the lab's own bookkeeping:
// namespaces by name prefix, every process in them or sharing their network stacks, the
// containers' cgroups, the directory. Taken before `down`, checked after it.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { cgroupDirs } from '../../../vagrant/emulation/cgroups';
import { identify, isRunning, type ProcessIdentity } from '../../../vagrant/emulation/processes';
import type { LabPlan } from '../../../vagrant/emulation/lab';

export interface Footprint {
  prefix: string;
  dir: string;
  namespaces: string[];
  /** Inodes of the lab's network namespaces: a process holding one is a leak even after the names are gone. */
  netnsInodes: number[];
  processes: ProcessIdentity[];
  cgroups: string[];
}

export function labNamespacesOnMachine(prefix: string): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(`${prefix}-`));
}

function pidsIn(namespace: string): number[] {
  return execFileSync('ip', ['netns', 'pids', namespace], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
}

/** Processes whose network namespace is one of these inodes. */
function processesInNetns(inodes: readonly number[]): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const match = /^net:\[(\d+)\]$/.exec(readlinkSync(`/proc/${entry}/ns/net`));
      const pid = Number(entry);
      if (match && inodes.includes(Number(match[1])) && identify(pid) && isRunning(identify(pid)!)) found.push(pid);
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

export function footprint(plan: LabPlan, recorded: readonly ProcessIdentity[], extraPids: number[] = []): Footprint {
  const namespaces = labNamespacesOnMachine(plan.prefix);
  const pids = [...recorded.map((p) => p.pid), ...namespaces.flatMap(pidsIn), ...extraPids];
  return {
    prefix: plan.prefix,
    dir: plan.dir,
    namespaces,
    netnsInodes: namespaces.map((name) => statSync(`/run/netns/${name}`).ino),
    processes: pids.map(identify).filter((p): p is ProcessIdentity => p !== undefined && isRunning(p)),
    cgroups: plan.hosts.flatMap((h) => (h.docker ? [h.docker.cgroupParent] : [])),
  };
}

/** Everything of the footprint still present on the machine (empty when the lab is gone). */
export function leftovers(before: Footprint): string[] {
  const left: string[] = [];
  for (const name of labNamespacesOnMachine(before.prefix)) left.push(`namespace ${name}`);
  for (const p of before.processes.filter(isRunning)) left.push(`process ${p.pid}`);
  for (const pid of processesInNetns(before.netnsInodes)) left.push(`process ${pid} in a lab network namespace`);
  for (const name of before.cgroups) for (const dir of cgroupDirs(name)) left.push(`cgroup ${dir}`);
  if (existsSync(before.dir)) left.push(`directory ${before.dir}`);
  return left;
}
