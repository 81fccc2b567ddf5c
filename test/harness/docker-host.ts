// A whole Docker host for e2e tests: a private OVS, a private dockerd beside it (same
// network namespace) and the real `ovsnet daemon` process serving the engine's plugin
// directory (not started yet: tests start it inside withLogs). Removed after the test.
import type { TestContext } from 'node:test';
import { rmSync } from 'node:fs';
import { OvsInstance } from './ovs';
import { DockerEngine } from './docker';
import { makeRunDir } from './ledger';
import { OvsnetDaemon } from './ovsnet-daemon';

export interface DockerHost {
  ovs: OvsInstance;
  docker: DockerEngine;
  daemon: OvsnetDaemon;
  stateDir: string;
}

export async function dockerHost(t: TestContext, daemonArgs: string[] = []): Promise<DockerHost> {
  const ovs = await OvsInstance.start();
  t.after(() => ovs.stop());
  const docker = await DockerEngine.start({ netns: ovs.netns });
  t.after(() => docker.stop());
  const stateDir = makeRunDir('state');
  t.after(() => rmSync(stateDir, { recursive: true, force: true }));
  const daemon = new OvsnetDaemon(ovs, docker, stateDir, daemonArgs);
  t.after(() => daemon.stop());
  return { ovs, docker, daemon, stateDir };
}
