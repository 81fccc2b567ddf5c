// Docker hosts for e2e tests (rig.ts: skipped when something is missing, logs on failure,
// everything removed afterwards, for one test or for a describe block):
// - a whole ovsnet host: a private OVS, a private dockerd beside it (same network
//   namespace), the real `ovsnet daemon` process serving the engine's plugin directory, and
//   the test busybox image imported;
// - a private dockerd alone in a namespace, optionally with the plugin in front of the
//   controller double, for the tests of what Docker itself sends and accepts.
import type { OvsInstance } from './ovs';
import { DockerEngine } from './docker';
import { Netns } from './netns';
import { ControllerDouble } from './controller-double';
import { servePluginDouble } from './plugin-double';
import { ovsnetDaemonFor, type OvsnetDaemon } from './ovsnet-daemon';
import { DOCKER_BINARIES } from './require';
import { rigFamily, type RigScope, type RigSpec } from './rig';
import { ovsNeeds, startOvs, type OvsNeeds } from './with-ovs';

export interface DockerHost {
  ovs: OvsInstance;
  docker: DockerEngine;
  daemon: OvsnetDaemon;
  stateDir: string;
  /** The busybox image containers run. */
  image: string;
}

export interface DockerHostOptions extends OvsNeeds {
  /** Extra `ovsnet daemon` arguments. */
  daemonArgs?: string[];
  /** Extra dockerd arguments (e.g. --live-restore). */
  dockerArgs?: string[];
}

async function startDockerHost(scope: RigScope, options: DockerHostOptions): Promise<DockerHost> {
  const ovs = await startOvs(scope);
  const docker = await DockerEngine.start({ netns: ovs.netns, extraArgs: options.dockerArgs ?? [] });
  // The daemon learns containers' names and labels from this engine (allow rules select by them).
  const extraArgs = ['--docker-host', `unix://${docker.socket}`, ...(options.daemonArgs ?? [])];
  const daemon = ovsnetDaemonFor(scope, ovs, { pluginDir: docker.pluginDir, extraArgs });
  // Deferred last so it runs first: while dockerd removes its containers it still needs the plugin.
  scope.defer(() => docker.stop());
  scope.showLogs(docker);
  await daemon.start();
  const image = await docker.importBusybox();
  return { ovs, docker, daemon, stateDir: daemon.stateDir, image };
}

export function dockerHostRig(options: DockerHostOptions = {}): RigSpec<DockerHost> {
  return {
    needs: [...ovsNeeds(options), ...DOCKER_BINARIES],
    start: (scope) => startDockerHost(scope, options),
  };
}

const dockerHostRigs = rigFamily<DockerHostOptions, DockerHost>(dockerHostRig);
/** Runs body against a Docker host of its own: withDockerHost(t, [{ needs, daemonArgs }], async (host) => ...). */
export const withDockerHost = dockerHostRigs.single;
/** One Docker host for the tests of the enclosing describe block. */
export const sharedDockerHost = dockerHostRigs.shared;

export interface DockerEngineHost {
  /** The namespace dockerd runs in (where the veths of its containers start). */
  host: Netns;
  docker: DockerEngine;
  /** The controller double behind the ovsnet plugin, when the rig serves one. */
  controller: ControllerDouble;
  image: string;
}

export interface DockerEngineOptions {
  /** Serve the ovsnet plugin in front of a controller double (which makes real veths for Join). */
  pluginDouble?: boolean;
}

async function startDockerEngine(scope: RigScope, options: DockerEngineOptions): Promise<DockerEngineHost> {
  const host = await Netns.create('h');
  scope.defer(() => host.destroy());
  const controller = new ControllerDouble({ vethsIn: host });
  const docker = await DockerEngine.start({ netns: host });
  if (options.pluginDouble) {
    const plugin = await servePluginDouble(docker.pluginDir, controller).catch(async (error: unknown) => {
      await docker.stop();
      throw error;
    });
    scope.defer(() => plugin.close());
  }
  // Deferred after the plugin so it runs before: dockerd calls the plugin while it stops.
  scope.defer(() => docker.stop());
  scope.showLogs(docker);
  return { host, docker, controller, image: await docker.importBusybox() };
}

export function dockerEngineRig(options: DockerEngineOptions = {}): RigSpec<DockerEngineHost> {
  return { needs: DOCKER_BINARIES, start: (scope) => startDockerEngine(scope, options) };
}

const dockerEngineRigs = rigFamily<DockerEngineOptions, DockerEngineHost>(dockerEngineRig);
/** Runs body against a private dockerd of its own: withDockerEngine(t, [{ pluginDouble }], async (engine) => ...). */
export const withDockerEngine = dockerEngineRigs.single;
/** One private dockerd for the tests of the enclosing describe block. */
export const sharedDockerEngine = dockerEngineRigs.shared;
