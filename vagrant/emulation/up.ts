// `lab up`: N emulated hosts on this machine. Each host is a network namespace with its own
// Open vSwitch (br-phy holding its underlay address), its own `ovsnet daemon` and, with
// --docker, its own dockerd; the hosts share an underlay bridge and one etcd. The state
// file is written before anything is created and grows as processes start, so `down`
// cleans up after any failure. Independent work runs side by side; each step is timed.
import { linkSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildBusyboxTarball } from './busybox';
import { labDown } from './down';
import { importImage, startDockerd } from './dockerd';
import { startEtcd } from './etcd';
import { writeBinDir } from './host-env';
import { startHostOvs } from './host-ovs';
import { readDaemonOptions, startOvsnetDaemon } from './ovsnet-daemon';
import { preflight } from './preflight';
import { planLab, type HostPlan, type LabOptions, type LabPlan } from './plan';
import { identify } from './processes';
import { run } from './run';
import { readState, statePath, StateWriter, type LabState, type ProcessRecord } from './state';
import { allSettled, printLog, Steps, type Log } from './steps';
import { createHostNamespace, createUnderlay } from './underlay';

export interface UpOptions extends LabOptions {
  /** Namespace (and cgroup) name prefix; unique per lab. Default: `ovl` plus 4 random characters. */
  prefix?: string;
  log?: Log;
  /** Record this process as the lab's launcher, which `down` stops if it is still running. */
  isLauncher?: boolean;
}

/** The ovsnet daemon options that only exist with the multi-host store. */
const CLUSTER_OPTIONS = ['etcd', 'tunnel-ip', 'docker-host'];

async function freshPrefix(): Promise<string> {
  const taken = (await run(['ip', 'netns', 'list'])).stdout;
  for (;;) {
    const prefix = `ovl${Math.random().toString(36).slice(2, 6)}`;
    if (!taken.includes(`${prefix}-`)) return prefix;
  }
}

/** Creates the state file exclusively: a second `up` on the same directory fails here. */
function claimDir(plan: LabPlan, isLauncher: boolean): StateWriter {
  mkdirSync(plan.dir, { recursive: true });
  const launcher = isLauncher ? identify(process.pid) : undefined;
  const state: LabState = {
    version: 1,
    createdAt: new Date().toISOString(),
    plan,
    ...(launcher ? { launcher: { ...launcher, role: 'up' as const } } : {}),
    processes: [],
    daemonOptions: [],
    complete: false,
  };
  // Written aside and linked into place: the link fails if a lab is there, and a reader
  // never sees the file half-written (a plain exclusive create would show it empty).
  const draft = `${statePath(plan.dir)}.new`;
  writeFileSync(draft, `${JSON.stringify(state, null, 2)}\n`);
  try {
    linkSync(draft, statePath(plan.dir));
  } catch (error) {
    rmSync(draft, { force: true });
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      throw new Error(`a lab is already up in ${plan.dir} (remove it with: vagrant/lab down --dir ${plan.dir})`, {
        cause: error,
      });
    throw error;
  }
  rmSync(draft, { force: true });
  return new StateWriter(state);
}

async function startHost(plan: LabPlan, host: HostPlan, steps: Steps, record: (p: ProcessRecord) => void) {
  await steps.step(`${host.name}: namespace, underlay link, OVS, br-phy ${host.underlayIp}`, async () => {
    await createHostNamespace(plan, host);
    await startHostOvs(host, record);
  });
}

async function startHostServices(
  plan: LabPlan,
  host: HostPlan,
  documented: ReadonlySet<string>,
  image: string | undefined,
  steps: Steps,
  record: (p: ProcessRecord) => void,
): Promise<void> {
  const docker = async (): Promise<void> => {
    await steps.step(`${host.name}: dockerd`, () => startDockerd(host, record));
    if (image !== undefined) await steps.step(`${host.name}: busybox image`, () => importImage(host, image));
  };
  await allSettled([
    steps.step(`${host.name}: ovsnet daemon`, () => startOvsnetDaemon(plan, host, documented, record)),
    ...(host.docker ? [docker()] : []),
  ]);
}

export async function labUp(options: UpOptions): Promise<LabState> {
  const log = options.log ?? printLog;
  const dir = resolve(options.dir);
  preflight(options.docker);
  if (readState(dir)) throw new Error(`a lab is already up in ${dir} (remove it with: vagrant/lab down --dir ${dir})`);
  const plan = planLab({ ...options, dir }, options.prefix ?? (await freshPrefix()));
  const writer = claimDir(plan, options.isLauncher ?? false);
  const record = (p: ProcessRecord): void => writer.addProcess(p);
  const steps = new Steps(log, 'up');
  log(
    `[lab] ${plan.hosts.length} hosts in ${dir}, namespaces ${plan.prefix}-*, tunnel ${plan.tunnel}` +
      (plan.docker ? ', Docker on each host' : ''),
  );
  try {
    await steps.step(`underlay ${plan.underlay.netns}, bridge ${plan.underlay.bridge} ${plan.underlay.ip}`, () =>
      createUnderlay(plan),
    );
    const documented = steps.step('ovsnet daemon options', readDaemonOptions);
    const tarball = plan.docker
      ? steps.step('busybox tarball', () => buildBusyboxTarball(plan.busyboxDir))
      : Promise.resolve(undefined);
    await allSettled<unknown>([
      steps.step(`etcd at ${plan.etcd.url}`, () => startEtcd(plan, record)),
      ...plan.hosts.map((host) => startHost(plan, host, steps, record)),
      documented,
      tarball,
    ]);
    const daemonOptions = await documented;
    const image = await tarball;
    const passed = CLUSTER_OPTIONS.filter((o) => daemonOptions.has(o));
    writer.update((s) => (s.daemonOptions = passed));
    log(
      passed.includes('etcd')
        ? `[lab] ovsnet daemons join etcd (${passed.map((o) => `--${o}`).join(' ')})`
        : '[lab] this ovsnet has no --etcd yet: each daemon runs single-host; etcd is up for what comes',
    );
    writeBinDir(plan);
    await allSettled(plan.hosts.map((host) => startHostServices(plan, host, daemonOptions, image, steps, record)));
    writer.update((s) => (s.complete = true));
    steps.done(`${plan.hosts.length} hosts`);
    return writer.state;
  } catch (error) {
    log(`[lab] up failed, removing what it created: ${error instanceof Error ? error.message : String(error)}`);
    await labDown(dir, log);
    throw error;
  }
}
