// The cgroup each lab dockerd puts its containers under (--cgroup-parent): the one place
// that still lists a container's processes after its dockerd, containerd and shim were
// killed (container processes live in network namespaces of their own, not the host's).
import { existsSync, readdirSync, readFileSync, realpathSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const CGROUP_ROOT = '/sys/fs/cgroup';

/** The cgroup's directory in every mounted hierarchy (cgroup v1 has one per controller). */
export function cgroupDirs(name: string): string[] {
  const candidates = [join(CGROUP_ROOT, name)];
  try {
    for (const hierarchy of readdirSync(CGROUP_ROOT)) candidates.push(join(CGROUP_ROOT, hierarchy, name));
  } catch {
    return [];
  }
  const found = new Map<string, string>();
  for (const dir of candidates) {
    try {
      if (statSync(dir).isDirectory()) found.set(realpathSync(dir), dir);
    } catch {
      // not in this hierarchy
    }
  }
  return [...found.values()];
}

function subtree(dir: string): string[] {
  const dirs = [dir];
  try {
    for (const entry of readdirSync(dir, { withFileTypes: true }))
      if (entry.isDirectory()) dirs.push(...subtree(join(dir, entry.name)));
  } catch {
    // removed meanwhile
  }
  return dirs;
}

export function cgroupPids(name: string): number[] {
  const pids = new Set<number>();
  for (const dir of cgroupDirs(name)) {
    for (const sub of subtree(dir)) {
      const procs = join(sub, 'cgroup.procs');
      if (!existsSync(procs)) continue;
      try {
        for (const line of readFileSync(procs, 'utf8').split('\n')) if (line) pids.add(Number(line));
      } catch {
        // removed meanwhile
      }
    }
  }
  return [...pids];
}

/** Removes the cgroup in every hierarchy, deepest first; returns the directories that stayed. */
export function removeCgroup(name: string): string[] {
  const left: string[] = [];
  for (const dir of cgroupDirs(name)) {
    for (const sub of subtree(dir).reverse()) {
      try {
        rmdirSync(sub);
      } catch {
        left.push(sub);
      }
    }
  }
  return left;
}
