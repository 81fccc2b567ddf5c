// ADD, DEL, CHECK and VERSION as the CNI spec defines them, run inside the daemon: the
// plugin executable only forwards the runtime's environment and stdin (cni.exec), so the
// configuration is read, a delegated IPAM plugin run and the answer shaped here, beside the
// state, the flows and the ports.
import type { CniAddRequest, CniCheckRequest, CniDelRequest, CniEndpointView } from '../types';
import { parseNetConf, type NetConf } from './config';
import { delegate } from './delegate';
import type { CniEnvironment } from './env';
import { CniCode, CniError } from './errors';
import { addResult, addressesOf, prevResultProblems } from './results';
import { SUPPORTED_VERSIONS, allowsCheck } from './versions';

type Json = Record<string, unknown>;

/** The daemon's CNI operations on one container interface (cni/methods.ts). */
export interface CniOperations {
  add(request: CniAddRequest): Promise<CniEndpointView>;
  del(request: CniDelRequest): Promise<void>;
  check(request: CniCheckRequest): Promise<CniEndpointView>;
}

/** The answer to VERSION: every version ovsnet speaks. */
export function versionResult(stdin: string): Json {
  let asked: unknown;
  try {
    asked = (JSON.parse(stdin) as Json)['cniVersion'];
  } catch {
    asked = undefined;
  }
  const cniVersion = (SUPPORTED_VERSIONS as readonly unknown[]).includes(asked) ? asked : '1.0.0';
  return { cniVersion, supportedVersions: [...SUPPORTED_VERSIONS] };
}

function requested(
  env: CniEnvironment,
  conf: NetConf,
): { requestedIps?: string[]; mac?: string; containerName?: string } {
  const ips = [
    ...(env.args.get('IP')?.split(',') ?? []),
    ...(conf.runtimeConfig.ips ?? []).map((ip) => ip.split('/')[0] as string),
  ].filter((ip) => ip !== '');
  const mac = env.args.get('MAC') ?? conf.runtimeConfig.mac;
  const name = env.args.get('K8S_POD_NAME');
  return {
    ...(ips.length > 0 ? { requestedIps: ips } : {}),
    ...(mac !== undefined && mac !== '' ? { mac } : {}),
    ...(name !== undefined && name !== '' ? { containerName: name } : {}),
  };
}

async function add(
  ops: CniOperations,
  env: CniEnvironment,
  conf: NetConf,
  processEnv: NodeJS.ProcessEnv,
): Promise<Json> {
  const ipam = conf.delegateIpam;
  const assigned = ipam
    ? addressesOf(await delegate(ipam, 'ADD', conf.raw, processEnv, env.path), `IPAM plugin ${ipam}`)
    : undefined;
  let view;
  try {
    view = await ops.add({
      network: conf.network,
      containerId: env.containerId,
      ifname: env.ifname,
      netns: env.netns,
      ...(assigned ? { ips: assigned.ips, routes: assigned.routes } : {}),
      ...requested(env, conf),
    });
  } catch (error) {
    // The addresses go back, as the spec asks of a failed ADD.
    if (ipam) await delegate(ipam, 'DEL', conf.raw, processEnv, env.path).catch(() => undefined);
    throw error;
  }
  return addResult(view, {
    cniVersion: conf.cniVersion,
    ifname: env.ifname,
    netns: env.netns,
    ...(conf.dns ? { dns: conf.dns } : {}),
    ...(conf.prevResult ? { prevResult: conf.prevResult } : {}),
  });
}

async function del(
  ops: CniOperations,
  env: CniEnvironment,
  conf: NetConf,
  processEnv: NodeJS.ProcessEnv,
): Promise<void> {
  await ops.del({
    network: conf.network,
    containerId: env.containerId,
    ifname: env.ifname,
    ...(env.netns !== '' ? { netns: env.netns } : {}),
  });
  if (conf.delegateIpam) await delegate(conf.delegateIpam, 'DEL', conf.raw, processEnv, env.path);
}

async function check(
  ops: CniOperations,
  env: CniEnvironment,
  conf: NetConf,
  processEnv: NodeJS.ProcessEnv,
): Promise<void> {
  if (!allowsCheck(conf.cniVersion))
    throw new CniError(
      CniCode.INCOMPATIBLE_VERSION,
      `CHECK needs cniVersion 0.4.0 or later; the configuration says ${conf.cniVersion}`,
    );
  const prev = conf.prevResult;
  if (!prev) throw new CniError(CniCode.INVALID_CONFIG, '"prevResult" is missing: CHECK needs the result of ADD');
  if (conf.delegateIpam) await delegate(conf.delegateIpam, 'CHECK', conf.raw, processEnv, env.path);
  const view = await ops.check({
    network: conf.network,
    containerId: env.containerId,
    ifname: env.ifname,
    netns: env.netns,
  });
  const problems = prevResultProblems(prev, view, env.ifname, env.netns);
  if (problems.length > 0) throw new CniError(CniCode.CHECK_FAILED, `CHECK failed: ${problems.join('; ')}`);
}

/** Runs one command; resolves what goes on stdout (nothing for DEL and CHECK). */
export async function runCommand(
  ops: CniOperations,
  env: CniEnvironment,
  stdin: string,
  processEnv: NodeJS.ProcessEnv,
): Promise<Json | undefined> {
  if (env.command === 'VERSION') return versionResult(stdin);
  const conf = parseNetConf(stdin);
  switch (env.command) {
    case 'ADD':
      return add(ops, env, conf, processEnv);
    case 'DEL':
      await del(ops, env, conf, processEnv);
      return undefined;
    case 'CHECK':
      await check(ops, env, conf, processEnv);
      return undefined;
  }
}
