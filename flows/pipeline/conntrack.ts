// Connection tracking as the pipeline uses it: the ct_state bits (ovs-fields(7)
// "Connection Tracking Fields") and the zone a network's connections live in.
import type { MatchField } from '../ofp/match';

/** ct_state flags. */
export const CtState = {
  NEW: 0x01,
  ESTABLISHED: 0x02,
  RELATED: 0x04,
  REPLY: 0x08,
  INVALID: 0x10,
  TRACKED: 0x20,
} as const;
export type CtFlag = keyof typeof CtState;

/** A ct_state match: the `set` flags present and the `clear` ones absent, others ignored. */
export function ctStateMatch(set: readonly CtFlag[], clear: readonly CtFlag[] = []): MatchField {
  const bits = (flags: readonly CtFlag[]): number => flags.reduce((acc, f) => acc | CtState[f], 0);
  return { field: 'ct_state', value: bits(set), mask: bits(set) | bits(clear) };
}

/**
 * A network's connections are tracked in the zone of its tag (16 bits, as the zone), so
 * networks with overlapping subnets never see each other's connections.
 */
export const connectionZone = (networkTag: number): number => networkTag;
