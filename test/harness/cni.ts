// CNI for tests: the real `ovsnet` plugin executable in a plugin directory of its own
// (beside the reference plugins Debian ships in /usr/lib/cni), called as a runtime calls
// it (CNI_* environment, configuration on stdin), against a real ovsnet daemon on a
// private OVS.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../controller/host/exec';
import { installPluginInto, type PluginKind } from '../../drivers/cni/install';
import { makeRunDir } from './ledger';
import type { OvsInstance } from './ovs';
import { ovsnetDaemonFor, type OvsnetDaemon } from './ovsnet-daemon';
import { rigFamily, type RigScope, type RigSpec } from './rig';
import { ovsNeeds, startOvs, type OvsNeeds } from './with-ovs';
import { until } from './until';

/** Where Debian's containernetworking-plugins puts the reference plugins. */
export const REFERENCE_PLUGINS = '/usr/lib/cni';
/** The shim (drivers/cni/shim.c) is built with the system's C compiler, as users install it. */
export const CNI_BINARIES = [`${REFERENCE_PLUGINS}/host-local`, `${REFERENCE_PLUGINS}/portmap`, 'cc'] as const;

export interface CniCall {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed, or {} when empty. */
  json: Record<string, unknown>;
}

/**
 * Installs the `ovsnet` plugin into dir as `ovsnet-cni install` does: the C shim by default
 * (what runtimes run), or the script running the Node plugin.
 */
export function installPlugin(dir: string, kind: PluginKind = 'shim'): string {
  return installPluginInto(dir, kind).path;
}

/** Runs a plugin as a runtime does: `env` on top of a clean environment, `stdin` as given. */
export async function invokePlugin(plugin: string, env: Record<string, string>, stdin: string): Promise<CniCall> {
  const result = await run(plugin, [], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env },
    input: stdin,
    allowFailure: true,
    timeoutMs: 90_000,
  });
  let json: Record<string, unknown> = {};
  if (result.stdout.trim() !== '') json = JSON.parse(result.stdout) as Record<string, unknown>;
  return { code: result.code, stdout: result.stdout, stderr: result.stderr, json };
}

export interface CniHost {
  ovs: OvsInstance;
  daemon: OvsnetDaemon;
  /** The daemon's control socket (the configurations' "socket"). */
  socket: string;
  /** Holds the `ovsnet` plugin; CNI_PATH is this, then the reference plugins. */
  pluginDir: string;
  cniPath: string;
  /** A scratch directory (host-local's dataDir, configurations). */
  dir: string;
}

async function startCniHost(scope: RigScope, options: { daemonArgs?: string[] }): Promise<CniHost> {
  const ovs = await startOvs(scope);
  const daemon = ovsnetDaemonFor(scope, ovs, { extraArgs: options.daemonArgs ?? [] });
  await daemon.start();
  const dir = makeRunDir('cni');
  scope.defer(() => rmSync(dir, { recursive: true, force: true }));
  const pluginDir = join(dir, 'bin');
  installPlugin(pluginDir);
  return {
    ovs,
    daemon,
    socket: join(daemon.stateDir, 'ovsnet.ctl'),
    pluginDir,
    cniPath: `${pluginDir}:${REFERENCE_PLUGINS}`,
    dir,
  };
}

export interface CniHostOptions extends OvsNeeds {
  daemonArgs?: string[];
}

export function cniHostRig(options: CniHostOptions = {}): RigSpec<CniHost> {
  return { needs: [...ovsNeeds(options), ...CNI_BINARIES], start: (scope) => startCniHost(scope, options) };
}

const cniHostRigs = rigFamily<CniHostOptions, CniHost>(cniHostRig);
/** Runs body against a CNI host of its own. */
export const withCniHost = cniHostRigs.single;
/** One CNI host for the tests of the enclosing describe block. */
export const sharedCniHost = cniHostRigs.shared;

/**
 * Waits until the daemon holds no endpoint and no address of `pool` but `gateway`: what
 * every ADD left, once DEL and the daemon's own clean-up are done. Fails naming what is left.
 */
export async function untilNothingHeld(
  host: CniHost,
  pool: string,
  gateway: string,
  intervalMs: number,
): Promise<void> {
  let seen = '';
  await until(
    'no endpoint and no address left',
    async () => {
      const endpoints = (await host.daemon.cli('endpoint', 'ls')) as unknown[];
      const pools = (await host.daemon.cli('ipam', 'ls')) as Array<{
        pool: string;
        addresses: Array<{ address: string }>;
      }>;
      const held = pools.filter((p) => p.pool === pool).flatMap((p) => p.addresses.map((a) => a.address));
      seen = JSON.stringify({ endpoints, held });
      return endpoints.length === 0 && held.every((a) => a === gateway);
    },
    20_000,
    intervalMs,
  ).catch(() => assert.fail(`left behind: ${seen}`));
}
