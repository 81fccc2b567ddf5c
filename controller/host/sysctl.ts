// Per-interface kernel settings written through /proc/sys, in this process's namespace or,
// with `netns`, in a named one (a `sysctl` process for every few hundred).
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { runOk } from './exec';

export interface KernelSetting {
  /** Path under /proc/sys, with slashes (an interface name may hold a dot). */
  key: string;
  value: string;
  /** Absent without IPv6 in the kernel, which then needs no such setting. */
  ipv6?: true;
}

/** Writes in flight at once here: each holds a file open while it waits for the threadpool. */
const WRITES_AT_ONCE = 64;
/** Settings per `sysctl` in another namespace: its command line stays far below the kernel's limit. */
const SYSCTL_ARGS_AT_ONCE = 512;

/** Whether the kernel has IPv6: it cannot change while we run, so it is looked up once. */
let ipv6InKernel: boolean | undefined;
const kernelHasIpv6 = (): boolean => (ipv6InKernel ??= existsSync('/proc/sys/net/ipv6'));

/** Writes every setting; any the kernel refuses is an error naming it. */
export async function writeKernelSettings(settings: readonly KernelSetting[], netns?: string): Promise<void> {
  const wanted = kernelHasIpv6() ? settings : settings.filter((s) => !s.ipv6);
  if (wanted.length === 0) return;
  if (netns !== undefined) {
    for (let at = 0; at < wanted.length; at += SYSCTL_ARGS_AT_ONCE) {
      const writes = wanted.slice(at, at + SYSCTL_ARGS_AT_ONCE).map((s) => `${s.key}=${s.value}`);
      await runOk('ip', ['netns', 'exec', netns, 'sysctl', '-q', '-w', ...writes]);
    }
    return;
  }
  // In slices, so that a daemon starting on thousands of ports does not run out of descriptors.
  for (let at = 0; at < wanted.length; at += WRITES_AT_ONCE)
    await Promise.all(wanted.slice(at, at + WRITES_AT_ONCE).map(writeOne));
}

async function writeOne(setting: KernelSetting): Promise<void> {
  try {
    await writeFile(`/proc/sys/${setting.key}`, setting.value);
  } catch (error) {
    throw new Error(`cannot set ${setting.key} to ${setting.value}: ${(error as Error).message}`, { cause: error });
  }
}
