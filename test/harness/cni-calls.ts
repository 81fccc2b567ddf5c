// Calling the ovsnet plugin of a CNI test host for one container: the configuration and
// the CNI_* variables a runtime would pass, overridable per call.
import { join } from 'node:path';
import type { Netns } from './netns';
import { invokePlugin, type CniCall, type CniHost } from './cni';

export interface CallOptions {
  containerId?: string;
  ifname?: string;
  /** Replaces CNI_* variables; a value of undefined leaves the variable out. */
  env?: Record<string, string | undefined>;
  /** The configuration as raw text instead of JSON.stringify(config). */
  stdin?: string;
}

/** An ovsnet network configuration on this host's daemon. */
export function ovsnetConf(host: CniHost, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { cniVersion: '1.0.0', name: 'cnitest', type: 'ovsnet', socket: host.socket, ...extra };
}

export function cniCall(
  host: CniHost,
  command: string,
  ns: Netns | undefined,
  config: Record<string, unknown>,
  options: CallOptions = {},
): Promise<CniCall> {
  const env: Record<string, string | undefined> = {
    CNI_COMMAND: command,
    CNI_CONTAINERID: options.containerId ?? 'c1',
    CNI_NETNS: ns?.path,
    CNI_IFNAME: options.ifname ?? 'eth0',
    CNI_PATH: host.cniPath,
    ...options.env,
  };
  const defined = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  return invokePlugin(join(host.pluginDir, 'ovsnet'), defined, options.stdin ?? JSON.stringify(config));
}
