// The embedded default behind `ovsnet up`: use the OVS that is running, or start a private
// one under the state directory, make sure the integration bridge exists, and stay up until
// told to stop. Everything it started, it stops; nothing else is touched.
import { join } from 'node:path';
import type { Logger } from './log';
import { PrivateOvs, ovsdbReachable } from './ovs/private-ovs';
import { runOk } from './host/exec';
import { resolveDatapath, type DatapathChoice } from './ovs/datapath';

export { resolveDatapath, type DatapathChoice };

export const SYSTEM_OVSDB = 'unix:/var/run/openvswitch/db.sock';

export interface EmbeddedOptions {
  stateDir: string;
  bridge: string;
  datapath: DatapathChoice;
  /** Use this OVSDB instead of probing the system one. */
  ovsdb?: string;
  logger: Logger;
}

export interface EmbeddedOvs {
  ovsdbRemote: string;
  /** Directory holding `<bridge>.mgmt`. */
  rundir: string;
  bridge: string;
  datapath: 'system' | 'netdev';
  /** True when ovsnet started this OVS itself (and will stop it). */
  private: boolean;
  stop(): Promise<void>;
}

/** `system` only when the kernel module is loaded; the userspace datapath otherwise. */

export async function startEmbeddedOvs(options: EmbeddedOptions): Promise<EmbeddedOvs> {
  const { logger } = options;
  const datapath = resolveDatapath(options.datapath);
  const requested = options.ovsdb ?? SYSTEM_OVSDB;
  let remote = requested;
  let rundir = '/var/run/openvswitch';
  let started: PrivateOvs | undefined;
  if (await ovsdbReachable(requested)) {
    logger.info({ ovsdb: requested }, 'using the running Open vSwitch');
    if (requested.startsWith('unix:')) rundir = join(requested.slice('unix:'.length), '..');
  } else if (options.ovsdb !== undefined) {
    throw new Error(`no OVSDB server answers at ${options.ovsdb}`);
  } else {
    const dir = join(options.stateDir, 'ovs');
    logger.info({ dir }, 'no Open vSwitch is running; starting a private one');
    started = await PrivateOvs.start({ dir });
    remote = started.dbRemote;
    rundir = started.rundir;
  }
  try {
    await runOk('ovs-vsctl', [
      `--db=${remote}`,
      '--timeout=30',
      '--may-exist',
      'add-br',
      options.bridge,
      '--',
      'set',
      'bridge',
      options.bridge,
      `datapath_type=${datapath}`,
      'fail_mode=secure',
      'protocols=OpenFlow13',
    ]);
  } catch (error) {
    await started?.stop();
    throw error;
  }
  const privateOvs = started;
  return {
    ovsdbRemote: remote,
    rundir,
    bridge: options.bridge,
    datapath,
    private: privateOvs !== undefined,
    stop: async () => {
      if (privateOvs) await privateOvs.stop();
    },
  };
}
