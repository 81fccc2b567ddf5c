// Per-interface kernel settings written through /proc/sys, in this process's namespace or,
// with `netns`, in a named one (one `sysctl` for all of them).
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

const kernelHasIpv6 = (): boolean => existsSync('/proc/sys/net/ipv6');

/** Writes every setting; any the kernel refuses is an error naming it. */
export async function writeKernelSettings(settings: readonly KernelSetting[], netns?: string): Promise<void> {
  const wanted = kernelHasIpv6() ? settings : settings.filter((s) => !s.ipv6);
  if (wanted.length === 0) return;
  if (netns !== undefined) {
    await runOk('ip', ['netns', 'exec', netns, 'sysctl', '-q', '-w', ...wanted.map((s) => `${s.key}=${s.value}`)]);
    return;
  }
  await Promise.all(
    wanted.map(async (setting) => {
      try {
        await writeFile(`/proc/sys/${setting.key}`, setting.value);
      } catch (error) {
        throw new Error(`cannot set ${setting.key} to ${setting.value}: ${(error as Error).message}`, { cause: error });
      }
    }),
  );
}
