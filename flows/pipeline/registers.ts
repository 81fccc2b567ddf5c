// Every register bit the pipeline uses, allocated in one place (a test checks that no two
// fields overlap).
import type { Action } from '../ofp/actions';

export interface RegisterField {
  name: string;
  register: `reg${number}`;
  /** First bit and width within the 32-bit register. */
  ofs: number;
  bits: number;
  purpose: string;
}

export const NETWORK_TAG: RegisterField = {
  name: 'network_tag',
  register: 'reg0',
  ofs: 0,
  bits: 16,
  purpose: 'network of the packet (set by classify)',
};
export const SOURCE_KIND: RegisterField = {
  name: 'source_kind',
  register: 'reg0',
  ofs: 16,
  bits: 4,
  purpose: '1 endpoint, 2 gateway, 4 a tunnel (set by classify and tunnel_classify)',
};
export const DESTINATION_KIND: RegisterField = {
  name: 'destination_kind',
  register: 'reg0',
  ofs: 20,
  bits: 4,
  purpose: '1 endpoint, 2 gateway, 3 broadcast, 4 a remote endpoint (set by l2_lookup)',
};
export const FLOOD_CHUNK: RegisterField = {
  name: 'flood_chunk',
  register: 'reg0',
  ofs: 24,
  bits: 8,
  purpose: 'which slice of a large network is flooded next (output resubmits to itself)',
};
export const OUTPUT_PORT: RegisterField = {
  name: 'output_port',
  register: 'reg1',
  ofs: 0,
  bits: 32,
  purpose: "ofport chosen by l2_lookup, or a remote endpoint's pipeline port (tunnel.ts)",
};

export const SOURCE_NETWORK: RegisterField = {
  name: 'source_network',
  register: 'reg2',
  ofs: 0,
  bits: 16,
  purpose:
    'for traffic from a gateway: the ovsnet network its source address is in, 0 for the outside (set by routed_source)',
};

export const REMOTE_SOURCE: RegisterField = {
  name: 'remote_source',
  register: 'reg3',
  ofs: 0,
  bits: 32,
  purpose:
    'for a frame from a tunnel: the pipeline port of the remote endpoint that sent it, 0 otherwise (set by tunnel_security)',
};

export const REGISTER_FIELDS: readonly RegisterField[] = [
  NETWORK_TAG,
  SOURCE_KIND,
  DESTINATION_KIND,
  FLOOD_CHUNK,
  OUTPUT_PORT,
  SOURCE_NETWORK,
  REMOTE_SOURCE,
];

/** Kinds of source (SOURCE_KIND) and destination (DESTINATION_KIND); REMOTE is a tunnel's far side. */
export const Kind = { ENDPOINT: 1, GATEWAY: 2, BROADCAST: 3, REMOTE: 4 } as const;

/** SOURCE_NETWORK of traffic from the host or the outside world (no ovsnet network). */
export const NO_NETWORK = 0;

/** The value and mask that match `value` in `field` (for matches on a shared register). */
export function fieldMatch(field: RegisterField, value: number): { field: string; value: number; mask?: number } {
  if (field.bits === 32) return { field: field.register, value };
  const mask = ((2 ** field.bits - 1) * 2 ** field.ofs) >>> 0;
  return { field: field.register, value: (value * 2 ** field.ofs) >>> 0, mask };
}

/** The action that writes `value` into `field` (the other bits of its register stay). */
export function loadField(field: RegisterField, value: number): Action {
  return { type: 'load', field: field.register, value, ofs: field.ofs, nBits: field.bits };
}
