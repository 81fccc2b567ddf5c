// The northbound API of the controller: the only module drivers/ (Docker plugin, CLI)
// import. Everything a front end needs is re-exported or defined here. The daemon and the
// logger load on first use: a short command such as `ovsnet attach` must not pay for the
// OpenFlow pipeline and pino at every start.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger, LoggerOptions } from './log';
import type { Daemon, DaemonConfig } from './daemon';

export type { Logger, LoggerOptions, Daemon, DaemonConfig };
export type { ClusterConfig } from './cluster/config';
export {
  startEmbeddedOvs,
  resolveDatapath,
  SYSTEM_OVSDB,
  type EmbeddedOvs,
  type EmbeddedOptions,
  type DatapathChoice,
} from './embedded';

export function createLogger(options?: LoggerOptions): Logger {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (see above)
  return (require('./log') as typeof import('./log')).createLogger(options);
}

export async function startDaemon(config: DaemonConfig): Promise<Daemon> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (see above)
  return (require('./daemon') as typeof import('./daemon')).startDaemon(config);
}

/** The package version, read from package.json at run time. */
export function ovsnetVersion(): string {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

export { DEFAULT_PORT_POOL } from './port-pool';
export { parseListenAddress } from './observe/http/listen';
export type { EndpointCounters } from './observe/endpoint-stats';
export { pingEngine } from './host/docker-api';
export { readPid } from './ovs/private-ovs';
export { run as runHostCommand, type ExecOptions, type ExecResult } from './host/exec';
export * from './cnm/types';
export { ControllerError, isControllerError, type ControllerErrorCode } from './errors';
export { asRequest } from './store/request-scope';
export { callControl } from './control/client';
export type {
  ControlMethods,
  ControlMethodName,
  ControlParams,
  ControlResult,
  DaemonStatus,
  NetworkDetail,
} from './control/contract';
export type { HostListing } from './cnm/host-listing';
export { defaultGateway, networkIdForName } from './cnm/named-networks';
export { networksReferredTo } from './cnm/network-ref';
export { ALLOW_OPTION, formatNetworkRules, parseNetworkRules } from './cnm/network-rules';
export type { EndpointRecord, NetworkRecord, PoolSlotRecord, ContainerFacts } from './cnm/records';
export type { AllowRequest, MatchedEndpoint, RuleStatus } from './cnm/rule-status';
export type { TraceAnswer, TraceReport, TraceRequest, TraceVerdict } from './observe/trace/types';
export type { PoolListing } from './ipam/service';
export { addPort, delPort, delPorts, setVlan, defaultOvsdbRemote, type AttachOptions } from './attach/manual-attach';
export type { AddPortRequest } from './attach/request';
export type {
  CniAddRequest,
  CniCheckRequest,
  CniDelRequest,
  CniEndpointView,
  CniExecRequest,
  CniExecResult,
  CniIp,
  CniNetworkRequest,
  CniRoute,
  CniSubnet,
} from './cni/types';
export { versionResult } from './cni/plugin/commands';
export { decodeNetConf, DEFAULT_SOCKET as DEFAULT_CNI_SOCKET } from './cni/plugin/config';
export { asCniError, CniCode, CniError } from './cni/plugin/errors';
export { errorVersion as cniErrorVersion } from './cni/plugin/exec';
