// Real components or a loud reason: a test whose daemon or tool is missing fails under
// CI=true (so CI can never go green without really running it) and is skipped, visibly,
// on a developer machine that lacks it.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { TestContext } from 'node:test';

export function findBinary(name: string): string | undefined {
  if (name.startsWith('/')) return canExecute(name) ? name : undefined;
  const dirs = (process.env['PATH'] ?? '').split(delimiter).concat(['/usr/sbin', '/sbin', '/usr/bin']);
  for (const dir of dirs) {
    const path = join(dir, name);
    if (canExecute(path)) return path;
  }
  return undefined;
}

function canExecute(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function isCi(): boolean {
  const value = process.env['CI'];
  return value !== undefined && value !== '' && value !== 'false' && value !== '0';
}

/** What keeps these binaries from running here: each one missing, and not being root. */
export function missingRequirements(binaries: readonly string[]): string[] {
  const problems = binaries.filter((b) => findBinary(b) === undefined).map((b) => `missing ${b}`);
  if (typeof process.getuid === 'function' && process.getuid() !== 0) problems.push('not running as root');
  return problems;
}

/** Returns true when all binaries exist (and we are root); otherwise skips or throws. */
export function requireBinaries(t: TestContext, binaries: readonly string[]): boolean {
  const problems = missingRequirements(binaries);
  if (problems.length === 0) return true;
  const reason = `REAL COMPONENT UNAVAILABLE: ${problems.join(', ')} (install with .ci/run)`;
  if (isCi()) throw new Error(`${reason}; refusing to skip under CI=true`);
  console.error(`\n*** SKIPPED: ${t.name}: ${reason} ***\n`);
  t.skip(reason);
  return false;
}

export const OVS_BINARIES = [
  'ovsdb-server',
  'ovs-vswitchd',
  'ovs-vsctl',
  'ovs-ofctl',
  'ovsdb-tool',
  'ip',
  'ethtool',
] as const;
export const DOCKER_BINARIES = ['dockerd', '/usr/bin/docker', 'containerd', 'busybox', 'unshare', 'nsenter'] as const;
export const ETCD_BINARIES = ['etcd', 'etcdctl'] as const;
