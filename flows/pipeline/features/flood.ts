// Flooding in slices. A flow message is at most 64 KiB, so a large network floods in
// slices: each slice outputs its share, bumps flood_chunk and resubmits to the output
// table for the next slice. Besides ports, a flood may send one copy through a tunnel to
// each of a list of hosts (tun_id set once, then tun_dst and output per host); the
// metadata set in one slice holds in the next, since a resubmit keeps the packet.
import { fieldMatch, FLOOD_CHUNK, loadField } from '../registers';
import { tableNumber } from '../tables';
import type { FlowSpec } from '../spec';
import { tunnelFields } from '../tunnel';
import type { Action } from '../../ofp/actions';

/** 1024 outputs of 16 bytes leave room for the match; 255 slices cover any OVS bridge. */
export const FLOOD_SLICE = 1024;

/** One copy per host, through one tunnel port, with the network's VNI. */
export interface TunnelCopies {
  vni: number;
  port: number;
  /** Tunnel addresses of the hosts. */
  hosts: string[];
}

/** What one destination adds to a slice, and its size in 16-byte units (an output is one). */
interface Target {
  units: number;
  actions: Action[];
}

function targets(ports: number[], copies: TunnelCopies | undefined): Target[] {
  const out: Target[] = ports.map((port) => ({ units: 1, actions: [{ type: 'output', port }] }));
  copies?.hosts.forEach((ip, i) => {
    const actions: Action[] = [];
    if (i === 0) actions.push({ type: 'set_field', field: 'tun_id', value: BigInt(copies.vni) });
    actions.push({ type: 'set_field', field: tunnelFields(ip).dst, value: ip }, { type: 'output', port: copies.port });
    // set_field of an IPv4 address and an output: 16 bytes each; IPv6: 24 + 16; tun_id: 16.
    out.push({ units: (ip.includes(':') ? 3 : 2) + (i === 0 ? 1 : 0), actions });
  });
  return out;
}

function slicesOf(all: Target[]): Action[][] {
  const slices: Action[][] = [[]];
  let units = 0;
  for (const target of all) {
    if (units + target.units > FLOOD_SLICE) {
      slices.push([]);
      units = 0;
    }
    (slices[slices.length - 1] as Action[]).push(...target.actions);
    units += target.units;
  }
  return slices;
}

/** The flows that flood `ports` (and send `copies`), one per slice, all matching `match`. */
export function floodFlows(
  base: Omit<FlowSpec, 'actions' | 'table'>,
  ports: number[],
  copies?: TunnelCopies,
): FlowSpec[] {
  const slices = slicesOf(targets(ports, copies));
  if (slices.length > 2 ** FLOOD_CHUNK.bits - 1)
    throw new Error(`cannot flood ${ports.length} ports and ${copies?.hosts.length ?? 0} hosts in one network`);
  return slices.map((actions, i) => {
    const more = i + 1 < slices.length;
    if (more) actions.push(loadField(FLOOD_CHUNK, i + 1), { type: 'resubmit', table: tableNumber('output') });
    return {
      ...base,
      table: 'output',
      match: [...base.match, fieldMatch(FLOOD_CHUNK, i)],
      actions,
      reason: slices.length > 1 ? `${base.reason}, slice ${i + 1} of ${slices.length}` : base.reason,
    };
  });
}
