// A dockerd per emulated host, in the host's network namespace so the veths ovsnet hands it
// are the host's. It is entered with nsenter (`ip netns exec` remounts /sys and hides the
// cgroup mounts dockerd needs), in a mount namespace of its own where the host's plugin
// directory is /run/docker/plugins, with its own data root, exec root and API socket, and
// its containers in a cgroup of their own so `down` finds them whatever happened.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { LAB_IMAGE } from './busybox';
import type { HostPlan } from './plan';
import { pingEngine, readPid } from '../../controller/api';
import { identify, isRunning, sleep, spawnDetached, tail } from './processes';
import { runOk } from './run';
import type { ProcessRecord } from './state';
import { withHostname } from './uts';

const SYSTEM_DOCKER_CLIENT = '/usr/bin/docker';

type DockerPlan = NonNullable<HostPlan['docker']>;

function dockerPlan(host: HostPlan): DockerPlan {
  if (!host.docker) throw new Error(`${host.name} has no Docker in this lab (bring it up with --docker)`);
  return host.docker;
}

/**
 * The host's engine for the docker CLI. A lab without Docker still names where it would be,
 * so `docker` inside a host fails plainly instead of reaching a dockerd outside the lab.
 */
export function dockerEnv(host: HostPlan): NodeJS.ProcessEnv {
  return { DOCKER_HOST: `unix://${host.docker?.socket ?? join(host.dir, 'docker', 'docker.sock')}` };
}

/** The Docker client packaged with this dockerd when there is one (same API generation). */
export function dockerClient(): string {
  return existsSync(SYSTEM_DOCKER_CLIENT) ? SYSTEM_DOCKER_CLIENT : 'docker';
}

export async function startDockerd(host: HostPlan, record: (process: ProcessRecord) => void): Promise<void> {
  const docker = dockerPlan(host);
  for (const sub of ['root', 'exec']) mkdirSync(join(docker.dir, sub), { recursive: true });
  mkdirSync(host.pluginDir, { recursive: true });
  const dockerd = [
    'dockerd',
    '--data-root',
    join(docker.dir, 'root'),
    '--exec-root',
    join(docker.dir, 'exec'),
    '-H',
    `unix://${docker.socket}`,
    '--pidfile',
    join(docker.dir, 'dockerd.pid'),
    '--storage-driver',
    'vfs',
    '--iptables=false',
    '--ip-masq=false',
    '--bridge=none',
    `--cgroup-parent=/${docker.cgroupParent}`,
  ];
  // Positional parameters carry the paths, so nothing is quoted into the script.
  const script =
    'mount --make-rprivate / && mkdir -p /run/docker/plugins && ' +
    'mount --bind "$1" /run/docker/plugins && shift && exec "$@"';
  const argv = [
    'nsenter',
    `--net=/run/netns/${host.netns}`,
    ...withHostname(host.name, ['unshare', '--mount', 'sh', '-c', script, 'sh', host.pluginDir, ...dockerd]),
  ];
  const engine = spawnDetached(argv, docker.log);
  record({ ...engine, role: 'dockerd', host: host.name });
  const deadline = Date.now() + 60_000;
  while (!(await pingEngine(docker.socket))) {
    if (!isRunning(engine)) throw new Error(`${host.name}: dockerd exited during start-up:\n${tail(docker.log)}`);
    if (Date.now() > deadline) throw new Error(`${host.name}: dockerd not answering after 60 s:\n${tail(docker.log)}`);
    await sleep(50);
  }
  const containerdPid = readPid(join(docker.dir, 'exec', 'containerd', 'containerd.pid'));
  const containerd = containerdPid === undefined ? undefined : identify(containerdPid);
  if (containerd) record({ ...containerd, role: 'containerd', host: host.name });
}

export async function importImage(host: HostPlan, tarball: string): Promise<void> {
  await runOk([dockerClient(), 'import', tarball, LAB_IMAGE], {
    env: { ...process.env, ...dockerEnv(host) },
    timeoutMs: 120_000,
  });
}
