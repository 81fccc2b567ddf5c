// `ovsnet-cni install [DIR]`: puts the plugin into a runtime's CNI plugin directory under the
// name `ovsnet`. With a C compiler that is the shim (shim.c), built for this Node and this
// checkout, which forwards each call to the daemon without starting Node; without one, a
// two-line script that runs the Node plugin (correct, but a Node start-up per call).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The CNI convention (kubelet, containerd); Debian's Podman looks in /usr/lib/cni. */
export const DEFAULT_PLUGIN_DIR = '/opt/cni/bin';

const NODE_PLUGIN = join(__dirname, 'main.js');
/** The shim's source: the checkout's drivers/cni/shim.c, beside dist/. */
export const SHIM_SOURCE = join(__dirname, '..', '..', '..', 'drivers', 'cni', 'shim.c');

export type PluginKind = 'shim' | 'script';

export interface InstalledPlugin {
  path: string;
  kind: PluginKind;
  /** Why the script was installed instead of the shim. */
  reason?: string;
}

/** A path the shim's build can take as a C string literal. */
const plainPath = (path: string): boolean => !/["\\\n]/.test(path);

function buildShim(target: string): string | undefined {
  if (!existsSync(SHIM_SOURCE)) return `no shim source at ${SHIM_SOURCE}`;
  if (!plainPath(process.execPath) || !plainPath(NODE_PLUGIN)) return 'a path with quotes or backslashes';
  const compiler = process.env['CC'] ?? 'cc';
  try {
    execFileSync(
      compiler,
      [
        '-O2',
        '-std=c11',
        '-Wall',
        `-DOVSNET_NODE="${process.execPath}"`,
        `-DOVSNET_CNI_MAIN="${NODE_PLUGIN}"`,
        '-o',
        target,
        SHIM_SOURCE,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    return undefined;
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return `${compiler} failed: ${stderr !== undefined && stderr !== '' ? stderr : (error as Error).message}`;
  }
}

/** mkdir -p, one level at a time: Node's recursive mkdir never returns under /proc. */
function makeDirectory(dir: string): void {
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) makeDirectory(parent);
  mkdirSync(dir);
}

/** Installs `ovsnet` into dir (replacing what is there only once the new one is complete). */
export function installPluginInto(dir: string, kind: PluginKind | 'best' = 'best'): InstalledPlugin {
  makeDirectory(dir);
  const path = join(dir, 'ovsnet');
  const staged = join(dir, `.ovsnet.${process.pid}`);
  try {
    let reason: string | undefined;
    if (kind !== 'script') {
      reason = buildShim(staged);
      if (reason === undefined) {
        renameSync(staged, path);
        return { path, kind: 'shim' };
      }
      if (kind === 'shim') throw new Error(`cannot build the CNI shim: ${reason}`);
    }
    writeFileSync(staged, `#!/bin/sh\nexec '${process.execPath}' '${NODE_PLUGIN}' "$@"\n`);
    chmodSync(staged, 0o755);
    renameSync(staged, path);
    return { path, kind: 'script', ...(reason !== undefined ? { reason } : {}) };
  } finally {
    rmSync(staged, { force: true });
  }
}

/** The command line's `install`: 0 on success, 1 with the reason on stderr. */
export function installPlugin(args: readonly string[]): number {
  if (args.length > 1 || args[0]?.startsWith('-') === true) {
    process.stderr.write('usage: ovsnet-cni install [DIR]   (default DIR: /opt/cni/bin)\n');
    return 1;
  }
  try {
    const installed = installPluginInto(args[0] ?? DEFAULT_PLUGIN_DIR);
    process.stdout.write(
      installed.kind === 'shim'
        ? `installed ${installed.path}: the C shim, forwarding each call to the ovsnet daemon\n`
        : `installed ${installed.path}: a script running the Node plugin (no shim: ${installed.reason ?? 'asked'})\n`,
    );
    return 0;
  } catch (error) {
    process.stderr.write(`ovsnet-cni install: ${(error as Error).message}\n`);
    return 1;
  }
}
