// A private Open vSwitch as a test's rig (rig.ts: skipped when OVS is missing, logs on
// failure, stopped and removed afterwards): the setup every OVS-backed test starts with.
import type { TestContext } from 'node:test';
import { OvsInstance } from './ovs';
import { OVS_BINARIES, requireBinaries } from './require';
import { rigFamily, type RigScope, type RigSpec } from './rig';
import { OvsdbClient, type ClientOptions } from '../../ovsdb/client';

export interface OvsNeeds {
  /** Binaries the test runs besides Open vSwitch's (ping, tcpdump, ...). */
  needs?: readonly string[];
}

/** Open vSwitch's binaries plus what the test adds. */
export function ovsNeeds(options: OvsNeeds = {}): string[] {
  return [...OVS_BINARIES, ...(options.needs ?? [])];
}

/** Starts a private OVS whose removal and logs the scope takes over. */
export async function startOvs(scope: RigScope): Promise<OvsInstance> {
  const ovs = await OvsInstance.start();
  scope.defer(() => ovs.stop());
  scope.showLogs(ovs);
  return ovs;
}

export function ovsRig(options: OvsNeeds = {}): RigSpec<OvsInstance> {
  return { needs: ovsNeeds(options), start: startOvs };
}

const ovsRigs = rigFamily<OvsNeeds, OvsInstance>(ovsRig);
/** Runs body against a private OVS of its own: withOvs(t, [{ needs }], async (ovs) => ...). */
export const withOvs = ovsRigs.single;
/** One private OVS for the tests of the enclosing describe block. */
export const sharedOvs = ovsRigs.shared;

/**
 * The same OVS for a test whose body stays where it is (no callback around it): returns
 * undefined when t was skipped; the OVS is stopped after t.
 */
export async function ovsFor(t: TestContext, options: OvsNeeds = {}): Promise<OvsInstance | undefined> {
  if (!requireBinaries(t, ovsNeeds(options))) return undefined;
  const ovs = await OvsInstance.start();
  t.after(() => ovs.stop());
  return ovs;
}

/** An OVSDB client connected to the OVS, closed after t. */
export async function ovsdbClientFor(t: TestContext, ovs: OvsInstance, options?: ClientOptions): Promise<OvsdbClient> {
  const client = await OvsdbClient.connect(ovs.dbRemote, options);
  t.after(() => client.close());
  return client;
}
