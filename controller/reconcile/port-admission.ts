// When new ports go to OVSDB. ovs-vswitchd reconfigures the whole bridge once per database
// change it sees, taking everything committed meanwhile: at thousands of ports one
// reconfiguration takes seconds and costs about the same for one port as for thirty. So
// additions are held back briefly while that helps:
// - while ovs-vswitchd is still busy with an earlier change, a port committed now would
//   wait for that change anyway, and holding it lets later ones share its reconfiguration;
// - while endpoints created moments ago are not joined yet (CNM creates an endpoint and
//   joins it right after), their ports are about to arrive and can share it too.
// Without this, requests released by one reconfiguration arrive during the next and the
// load settles into two alternating half-sized batches: twice the reconfigurations.
// Both holds are bounded, so a port never waits on a switch that stopped or a join that
// never comes; a lone `docker run` is never held (nothing else is pending).
import type { Clock } from '../clock';
import { FirstSeen } from '../first-seen';

export interface AdmissionInput {
  /** Ports the pass would add. */
  additions: number;
  /** Endpoints created but not joined yet ("networkId/endpointId"). */
  unjoined: string[];
  /** ovs-vswitchd has not caught up with the last committed change (cur_cfg < next_cfg). */
  switchBusy: boolean;
}

export type AdmissionDecision = { admit: true } | { admit: false; retryInMs: number };

export interface PortAdmissionLimits {
  /** Longest hold while ovs-vswitchd is busy. */
  busyHoldMs: number;
  /** Longest hold for joins that seem on their way. */
  joinHoldMs: number;
  /** How long after creation an unjoined endpoint still counts as "about to join". */
  joinExpectedMs: number;
}

export const DEFAULT_ADMISSION_LIMITS: PortAdmissionLimits = {
  busyHoldMs: 5000,
  joinHoldMs: 400,
  joinExpectedMs: 2000,
};

export class PortAdmission {
  private heldSince: number | undefined;
  private readonly unjoinedSince = new FirstSeen();

  constructor(
    private readonly clock: Clock,
    private readonly limits: PortAdmissionLimits = DEFAULT_ADMISSION_LIMITS,
  ) {}

  decide(input: AdmissionInput): AdmissionDecision {
    const now = this.clock.now();
    const expectedJoinsUntil = this.trackUnjoined(input.unjoined, now);
    if (input.additions === 0) {
      this.heldSince = undefined;
      return { admit: true };
    }
    const heldSince = (this.heldSince ??= now);
    const waited = now - heldSince;
    if (input.switchBusy && waited < this.limits.busyHoldMs) {
      // The replica's cur_cfg update kicks a pass when the switch is done; this is the cap.
      return { admit: false, retryInMs: this.limits.busyHoldMs - waited };
    }
    if (expectedJoinsUntil > now && waited < this.limits.joinHoldMs) {
      return { admit: false, retryInMs: Math.min(this.limits.joinHoldMs - waited, expectedJoinsUntil - now) };
    }
    this.heldSince = undefined;
    return { admit: true };
  }

  /** Remembers when each endpoint was first seen unjoined; returns when the last expectation lapses. */
  private trackUnjoined(unjoined: string[], now: number): number {
    let until = 0;
    for (const since of this.unjoinedSince.observe(unjoined, now).values())
      until = Math.max(until, since + this.limits.joinExpectedMs);
    return until;
  }
}
