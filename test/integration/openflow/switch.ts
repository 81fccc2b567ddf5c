// A real ovs-vswitchd with one secure OpenFlow 1.3 netdev bridge, br0, and our session to
// it: what the OpenFlow tests against a real switch start from (see harness/rig.ts for
// skipping, logs on failure and removal).
import type { OvsInstance } from '../../harness/ovs';
import { rigFamily, type RigScope, type RigSpec } from '../../harness/rig';
import { ovsNeeds, startOvs, type OvsNeeds } from '../../harness/with-ovs';
import { SwitchClient } from '../../../controller/openflow/switch-client';
import { installFlows } from '../../../controller/openflow/install';
import type { OpenFlowSession } from '../../../controller/openflow/connection';
import type { FlowMod } from '../../../flows/ofp/types';

export const BRIDGE = 'br0';

export interface Switch {
  ovs: OvsInstance;
  session: OpenFlowSession;
}

/** A FlowMod that adds one flow. */
export function addFlow(
  tableId: number,
  priority: number,
  cookie: bigint,
  match: FlowMod['match'],
  instructions: FlowMod['instructions'],
): FlowMod {
  return { command: 'add', tableId, priority, cookie, match, instructions };
}

/** Table 0, cookie 0x10: what comes in on port 1 gets reg0 = 5 and goes on to table 1. */
export const CLASSIFY_PORT_1 = addFlow(
  0,
  100,
  0x10n,
  [{ field: 'in_port', value: 1 }],
  [
    { type: 'apply_actions', actions: [{ type: 'load', field: 'reg0', value: 5, ofs: 0, nBits: 16 }] },
    { type: 'goto_table', table: 1 },
  ],
);

/** Removes every flow of every table, so a test starts from an empty switch. */
export async function clearFlows(session: OpenFlowSession): Promise<void> {
  await installFlows(session, [{ command: 'delete', tableId: 0xff, priority: 0, match: [], instructions: [] }]);
}

/** ovs-ofctl's dump of br0's flows (those matching filter, when given). */
export function ofctlFlows(ovs: OvsInstance, ...filter: string[]): Promise<string> {
  return ovs.ofctl('-O', 'OpenFlow13', 'dump-flows', BRIDGE, ...filter);
}

async function startSwitch(scope: RigScope): Promise<Switch> {
  const ovs = await startOvs(scope);
  await ovs.addNetdevBridge(BRIDGE);
  const client = new SwitchClient(`unix:${ovs.mgmtSocket(BRIDGE)}`);
  client.start();
  scope.defer(() => client.close());
  return { ovs, session: await client.ready(10_000) };
}

export function switchRig(options: OvsNeeds = {}): RigSpec<Switch> {
  return { needs: ovsNeeds(options), start: startSwitch };
}

const switchRigs = rigFamily<OvsNeeds, Switch>(switchRig);
/** Runs body against a switch of its own: withSwitch(t, [{ needs }], async ({ ovs, session }) => ...). */
export const withSwitch = switchRigs.single;
/** One switch for the tests of the enclosing describe block. */
export const sharedSwitch = switchRigs.shared;
