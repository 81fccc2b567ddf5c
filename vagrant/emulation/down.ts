// `lab down`: removes everything the state file names, whether `up` finished, failed or was
// killed half-way. Processes are ended by pid: those recorded (pid plus start time), then
// whatever still runs in the lab's own namespaces or its containers' cgroups (only the lab
// starts processes there). Then the namespaces, the cgroups and the directory go.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { cgroupPids, removeCgroup } from './cgroups';
import { labNamespaces, type LabPlan } from './plan';
import { identify, isRunning, killAll, stopAll, type ProcessIdentity } from './processes';
import { run } from './run';
import { readState } from './state';
import { printLog, Steps, type Log } from './steps';

/** How long daemons get to exit on SIGTERM before SIGKILL. */
const GRACE_MS = 3_000;

function identities(pids: readonly number[]): ProcessIdentity[] {
  return pids.map(identify).filter((p): p is ProcessIdentity => p !== undefined && p.pid !== process.pid);
}

function containerCgroups(plan: LabPlan): string[] {
  return plan.hosts.flatMap((h) => (h.docker ? [h.docker.cgroupParent] : []));
}

async function existingNamespaces(plan: LabPlan): Promise<string[]> {
  const listed = (await run(['ip', 'netns', 'list'])).stdout.split('\n').map((line) => line.split(' ')[0] ?? '');
  return labNamespaces(plan).filter((name) => listed.includes(name));
}

async function namespacePids(namespaces: readonly string[]): Promise<number[]> {
  const lists = await Promise.all(namespaces.map((name) => run(['ip', 'netns', 'pids', name])));
  return lists.flatMap((l) => l.stdout.split('\n').filter(Boolean).map(Number));
}

/** Mount points under dir (a dockerd that shared our mount namespace would leave some). */
function mountsUnder(dir: string): string[] {
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((point) => point === dir || point.startsWith(`${dir}/`));
  return mounts.sort().reverse();
}

/** Returns false when there was no lab in dir. */
export async function labDown(dir: string, log: Log = printLog): Promise<boolean> {
  const state = readState(dir);
  if (!state) {
    log(`[lab] no lab in ${dir}`);
    return false;
  }
  const { plan } = state;
  const steps = new Steps(log, 'down');
  const launcher = state.launcher;
  if (launcher && launcher.pid !== process.pid && isRunning(launcher))
    await steps.step('stop the `lab up` still running', () => killAll([launcher]));
  const cgroups = containerCgroups(plan);
  if (cgroups.length > 0)
    await steps.step('containers', () => killAll(identities(cgroups.flatMap((name) => cgroupPids(name)))));
  // Engines are killed outright: a dockerd shutting down stops containers and calls the
  // plugin, waiting on timeouts, for a data root that is deleted right after anyway.
  const engines = state.processes.filter((p) => p.role === 'dockerd' || p.role === 'containerd');
  if (engines.length > 0) await steps.step('Docker engines', () => killAll(engines));
  const daemons = state.processes.filter((p) => !engines.includes(p));
  await steps.step(`daemons (${daemons.filter(isRunning).length} running)`, () => stopAll(daemons, GRACE_MS));
  await steps.step('namespaces', async () => {
    const namespaces = await existingNamespaces(plan);
    // Anything left in the lab's namespaces is the lab's: `lab exec` commands, helpers, or
    // a daemon `up` started but was killed before recording.
    await killAll(identities(await namespacePids(namespaces)));
    await Promise.all(namespaces.map((name) => run(['ip', 'netns', 'del', name])));
    const left = await existingNamespaces(plan);
    if (left.length > 0) throw new Error(`namespaces still present: ${left.join(', ')}`);
  });
  if (cgroups.length > 0)
    await steps.step('cgroups', async () => {
      await killAll(identities(cgroups.flatMap((name) => cgroupPids(name))));
      const left = cgroups.flatMap((name) => removeCgroup(name));
      if (left.length > 0) throw new Error(`cgroups still present: ${left.join(', ')}`);
    });
  await steps.step(`directory ${dir}`, async () => {
    for (const point of mountsUnder(dir)) await run(['umount', '-l', point]);
    rmSync(dir, { recursive: true, force: true });
    if (existsSync(dir)) throw new Error(`${dir} is still there`);
  });
  steps.done(`lab ${plan.prefix}`);
  return true;
}
