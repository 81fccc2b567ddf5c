// A host for manual-attach tests and the attach benchmark: a private OVS (in its own
// namespace) with a plain userspace bridge, a private dockerd beside it, and helpers that
// run `ovsnet attach` and the real /usr/bin/ovs-docker there with the same environment.
// withAttachHost gives one to a test (harness/rig.ts: skipped when something is missing,
// logs on failure, removed afterwards); the benchmark starts and stops one itself.
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { OvsInstance } from '../../harness/ovs';
import { DockerEngine } from '../../harness/docker';
import { DOCKER_BINARIES, OVS_BINARIES } from '../../harness/require';
import { withRig, type RigBody } from '../../harness/rig';
import type { ExecResult } from '../../../controller/host/exec';

export const OVSNET_CLI = join(__dirname, '..', '..', '..', 'drivers', 'cli', 'main.js');
export const OVS_DOCKER_ENTRY = join(__dirname, '..', '..', '..', 'drivers', 'cli', 'ovs-docker.js');
export const SYSTEM_OVS_DOCKER = '/usr/bin/ovs-docker';

export interface AttachHost {
  ovs: OvsInstance;
  docker: DockerEngine;
  image: string;
  env: NodeJS.ProcessEnv;
  /** `ovsnet attach ARGS` in the OVS namespace. */
  ovsnet: (...args: string[]) => Promise<ExecResult>;
  /** The real ovs-docker script in the OVS namespace. */
  ovsDocker: (...args: string[]) => Promise<ExecResult>;
  /** `docker run -d --net none --name NAME busybox sleep`. */
  container(name: string): Promise<void>;
  /** Port names on the bridge. */
  ports(bridge: string): Promise<string[]>;
  /** Links in the OVS namespace (host ends of veths). */
  hostLinks(): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startAttachHost(bridge: string): Promise<AttachHost> {
  const ovs = await OvsInstance.start();
  let docker: DockerEngine | undefined;
  try {
    docker = await DockerEngine.start({ netns: ovs.netns });
    const image = await docker.importBusybox();
    // A plain userspace bridge as a user of ovs-docker would have: standalone, NORMAL switching.
    await ovs.vsctl('add-br', bridge, '--', 'set', 'bridge', bridge, 'datapath_type=netdev');
    const env = { ...ovs.env, ...docker.env, PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin' };
    const engine = docker;
    return {
      ovs,
      docker: engine,
      image,
      env,
      ovsnet: (...args) =>
        ovs.netns.tryExec(process.execPath, [OVSNET_CLI, 'attach', ...args], { env, timeoutMs: 90_000 }),
      ovsDocker: (...args) => ovs.netns.tryExec(SYSTEM_OVS_DOCKER, args, { env, timeoutMs: 90_000 }),
      container: async (name) => {
        await engine.docker('run', '-d', '--net', 'none', '--name', name, image, 'sleep', '3600');
      },
      ports: async (b) => (await ovs.vsctl('list-ports', b)).split('\n').filter(Boolean),
      hostLinks: async () =>
        (await ovs.netns.ip('-o', 'link', 'show'))
          .split('\n')
          .map((l) => l.split(':')[1]?.trim().split('@')[0] ?? '')
          .filter(Boolean),
      stop: async () => {
        await engine.stop();
        await ovs.stop();
      },
    };
  } catch (error) {
    await docker?.stop();
    await ovs.stop();
    throw error;
  }
}

/** Runs body against an attach host of its own whose plain bridge is `bridge`. */
export function withAttachHost(t: TestContext, bridge: string, body: RigBody<AttachHost>): Promise<void> {
  return withRig(
    t,
    {
      needs: [...OVS_BINARIES, ...DOCKER_BINARIES, SYSTEM_OVS_DOCKER, 'uuidgen'],
      start: async (scope) => {
        const host = await startAttachHost(bridge);
        scope.defer(() => host.stop());
        scope.showLogs(host.ovs);
        scope.showLogs(host.docker);
        return host;
      },
    },
    body,
  );
}
