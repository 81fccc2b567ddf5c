// Where every test resource is recorded so that it can be removed: on success, on failure,
// on Ctrl-C, and - after a `kill -9` of a test run - by the next run (cleanStale).
// Directories live under one root and namespaces carry one prefix; both embed the pid of the
// test process that owns them, so a later run can tell leftovers (owner dead) from the work of
// a run still in progress (owner alive).
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const TEST_ROOT = process.env['OVSNET_TEST_ROOT'] ?? '/tmp/ovsnet-test';
export const NETNS_PREFIX = 'ovt';

type Cleanup = () => void;
const emergency = new Map<number, Cleanup>();
let nextCleanupId = 1;
let handlersInstalled = false;

/** A fresh directory owned by this process: `<root>/<pid>-<kind>-XXXXXX`. */
export function makeRunDir(kind: string): string {
  mkdirSync(TEST_ROOT, { recursive: true });
  return mkdtempSync(join(TEST_ROOT, `${process.pid}-${kind}-`));
}

/** A unique namespace name owned by this process, short enough for tools that print it. */
let nsCounter = 0;
export function makeNetnsName(role: string): string {
  nsCounter += 1;
  const rand = Math.random().toString(36).slice(2, 6);
  return `${NETNS_PREFIX}${process.pid}-${role}${nsCounter}${rand}`;
}

/**
 * Registers a synchronous last-resort cleanup run if the process is interrupted or exits
 * before the resource was stopped normally. Returns a function that unregisters it.
 */
export function onEmergency(cleanup: Cleanup): () => void {
  installHandlers();
  const id = nextCleanupId++;
  emergency.set(id, cleanup);
  return () => emergency.delete(id);
}

function runEmergency(): void {
  for (const cleanup of [...emergency.values()].reverse()) {
    try {
      cleanup();
    } catch {
      // keep going: one failed cleanup must not leave the others behind
    }
  }
  emergency.clear();
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', runEmergency);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      runEmergency();
      process.kill(process.pid, signal);
    });
  }
}

export function ownerAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Records a pid that belongs to a run directory so cleanStale can end it later. */
export function recordPid(dir: string, name: string, pid: number): void {
  writeFileSync(join(dir, `${name}.pid`), `${pid}\n`);
}

const DAEMON_NAMES =
  /^(ovsdb-server|ovs-vswitchd|dockerd|containerd|containerd-shim.*|etcd|node|nc|ping|sleep|busybox|python3.*)$/;

function killIfOurs(pid: number): void {
  let comm: string;
  try {
    comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return;
  }
  // Only end processes whose name is one we start; a recycled pid belongs to someone else.
  if (!DAEMON_NAMES.test(comm)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Removes leftovers of test runs whose owning process no longer exists. */
export function cleanStale(log: (line: string) => void = () => undefined): number {
  let removed = 0;
  const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  for (const line of (list.stdout ?? '').split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const match = new RegExp(`^${NETNS_PREFIX}(\\d+)-`).exec(name);
    if (!match || ownerAlive(Number(match[1]))) continue;
    const pids = spawnSync('ip', ['netns', 'pids', name], { encoding: 'utf8' }).stdout ?? '';
    for (const pid of pids.split('\n').filter(Boolean)) killIfOurs(Number(pid));
    spawnSync('ip', ['netns', 'del', name]);
    log(`removed stale namespace ${name}`);
    removed++;
  }
  let entries: string[];
  try {
    entries = readdirSync(TEST_ROOT);
  } catch {
    return removed;
  }
  for (const entry of entries) {
    const match = /^(\d+)-/.exec(entry);
    if (!match || ownerAlive(Number(match[1]))) continue;
    const dir = join(TEST_ROOT, entry);
    for (const file of findPidfiles(dir)) {
      const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
      if (Number.isInteger(pid) && pid > 1) killIfOurs(pid);
    }
    // dockerd leaves bind mounts of its own; unmount anything under the directory first.
    spawnSync('sh', ['-c', `grep -o " ${dir}[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l`]);
    rmSync(dir, { recursive: true, force: true });
    log(`removed stale test directory ${dir}`);
    removed++;
  }
  return removed;
}

function findPidfiles(dir: string): string[] {
  // Every harness pidfile sits at the top of its run directory; never walk data roots.
  try {
    return readdirSync(dir)
      .filter((name) => name.endsWith('.pid'))
      .map((name) => join(dir, name));
  } catch {
    return [];
  }
}
