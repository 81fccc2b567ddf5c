// The part of the Open_vSwitch database ovsnet replicates, typed: the monitored columns, the
// row types they give (the generated rows narrowed to those columns), and the replica's
// indexes as named constants, so a lookup names its index by value, never by a string.
import type { Replica } from '../replica/replica';
import type { MonitoredTables, MonitorRequests, RowIndex } from '../replica/typed';
import type { Tables } from '../schema/vswitch.gen';

export const DB = 'Open_vSwitch';

export const MONITORED = {
  Open_vSwitch: { columns: ['bridges', 'next_cfg', 'cur_cfg'] },
  Bridge: {
    columns: ['name', 'ports', 'datapath_type', 'fail_mode', 'protocols', 'controller', 'other_config', 'external_ids'],
  },
  Port: { columns: ['name', 'interfaces', 'external_ids', 'tag'] },
  Interface: {
    columns: ['name', 'type', 'ofport', 'ofport_request', 'error', 'external_ids', 'options', 'mtu_request', 'mac'],
  },
} as const satisfies MonitorRequests<Tables>;

/** Rows as the replica holds them: reading a column that is not monitored does not compile. */
export type VswitchTables = MonitoredTables<Tables, typeof MONITORED>;
export type VswitchRow<K extends keyof VswitchTables> = VswitchTables[K];
export type VswitchReplica = Replica<VswitchTables>;
export type InterfaceIndex = RowIndex<VswitchTables, 'Interface'>;

export const BRIDGE_BY_NAME: RowIndex<VswitchTables, 'Bridge'> = { table: 'Bridge', key: (row) => row.name };
export const PORT_BY_NAME: RowIndex<VswitchTables, 'Port'> = { table: 'Port', key: (row) => row.name };
export const INTERFACE_BY_NAME: InterfaceIndex = { table: 'Interface', key: (row) => row.name };

/** An index of interfaces by one external_ids key (e.g. "ovsnet-owner" or "container_id"). */
export function interfaceByExternalId(key: string): InterfaceIndex {
  return { table: 'Interface', key: (row) => row.external_ids[key] };
}
