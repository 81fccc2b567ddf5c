// A process's CPU time as the kernel counts it, for benchmarks and the soak that measure
// another process (a daemon) from outside.
import { readFileSync } from 'node:fs';

const TICKS_PER_S = 100; // USER_HZ on Linux

/** User + system CPU seconds process `pid` has used so far. */
export function cpuSeconds(pid: number): number {
  // utime and stime are fields 14 and 15 of /proc/PID/stat, counted from after the command
  // name's closing parenthesis (the name itself may hold spaces).
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
}
