// When OpenFlowSync checks the switch's flows against what it believes they are: a pure
// function of times on the sync's clock, so the thresholds are tested without a switch.
//
// Passes trust what their last bundle installed; a check in the background is what finds
// flows changed by hand. With the defaults: at most one check per 2 s, only in a quiet
// moment (no bundle installed for 2 s: a check overlapping one proves nothing, yet costs a
// busy switch a turn) or once 20 s passed without a conclusive one; a table whose read-back
// is expensive is mostly counted (an aggregate request, which shows a flow added or deleted
// by hand) and read back whole at most every 50x the last read-back's duration, which is
// mostly the switch's: at a thousand endpoints a read-back of some 8,000 flows costs the
// daemon about 15 ms (read-back.ts decodes only entries the last one did not see; decoding
// them all was 70-100 ms), and ovs-vswitchd answers nothing else on the bridge meanwhile.

export interface FlowCheckThresholds {
  /** At most one check per this period, whatever the outcome of the last. */
  checkPeriodMs: number;
  /** A check waits for a quiet moment: no bundle installed for this long... */
  quietMs: number;
  /** ...unless the last conclusive check is this old. */
  maxUncheckedMs: number;
  /** A full read-back at most every this many times the last one took; a count in between. */
  readBackSpacing: number;
}

const DEFAULT_CHECK_PERIOD_MS = 2000;
/** maxUncheckedMs in check periods, when only the period is given. */
const UNCHECKED_PERIODS = 10;
const DEFAULT_READ_BACK_SPACING = 50;

/** The thresholds with defaults for the absent ones; quiet time and patience follow the period. */
export function flowCheckThresholds(given: Partial<FlowCheckThresholds> = {}): FlowCheckThresholds {
  const checkPeriodMs = given.checkPeriodMs ?? DEFAULT_CHECK_PERIOD_MS;
  return {
    checkPeriodMs,
    quietMs: given.quietMs ?? checkPeriodMs,
    maxUncheckedMs: given.maxUncheckedMs ?? UNCHECKED_PERIODS * checkPeriodMs,
    readBackSpacing: given.readBackSpacing ?? DEFAULT_READ_BACK_SPACING,
  };
}

/** What happened so far, as times (ms) on the sync's clock. */
export interface FlowCheckHistory {
  /** The switch was last found as believed (a conclusive check, or a read-back). */
  verifiedAt: number;
  /** The last full read-back, and how long it took. */
  readBackAt: number;
  readBackMs: number;
  /** The last check started, conclusive or not. */
  lastCheckAt: number;
  /** The last bundle installed. */
  lastInstallAt: number;
}

export type FlowCheck = 'none' | 'count' | 'read-back';

export function dueFlowCheck(now: number, history: FlowCheckHistory, limits: FlowCheckThresholds): FlowCheck {
  // An inconclusive check leaves verifiedAt old; checking again at every pass would keep a
  // busy switch busier, hence the period counts from the last check too.
  if (now - history.verifiedAt < limits.checkPeriodMs || now - history.lastCheckAt < limits.checkPeriodMs)
    return 'none';
  if (now - history.lastInstallAt < limits.quietMs && now - history.verifiedAt < limits.maxUncheckedMs) return 'none';
  const readBackDue =
    now - history.readBackAt >= Math.max(limits.checkPeriodMs, limits.readBackSpacing * history.readBackMs);
  return readBackDue ? 'read-back' : 'count';
}
