// Applies many flow changes to a switch and reports, per failed change, the flow and the
// switch's reason. Bundle mode (ONF EXT-230, atomic + ordered) makes the set all or nothing;
// stream mode pipelines flow_mods and confirms with one barrier.
import { BundleCtrlType, BundleFlags } from '../../flows/ofp/constants';
import type { FlowMod, OfpMessage } from '../../flows/ofp/types';
import { flowText } from '../../flows/ofp/text';
import { encodeFlowModInto } from '../../flows/ofp/encode';
import { OpenFlowError, type OpenFlowSession } from './connection';

export interface FlowFailure {
  flow: FlowMod;
  error: string;
}

export class InstallError extends Error {
  readonly code = 'FLOW_INSTALL_FAILED' as const;
  constructor(
    message: string,
    readonly failures: FlowFailure[],
    /** True when nothing was applied (a failed atomic bundle). */
    readonly nothingApplied: boolean,
  ) {
    super(message);
    this.name = 'InstallError';
  }
}

export interface InstallOptions {
  mode?: 'bundle' | 'stream';
  timeoutMs?: number;
}

let nextBundleId = 1;

/** Some bundled messages were refused before commit. */
class BundleRejected extends Error {}

export async function installFlows(
  session: OpenFlowSession,
  flows: readonly FlowMod[],
  options: InstallOptions = {},
): Promise<void> {
  if (flows.length === 0) return;
  const errors = new Map<number, string>();
  const byXid = new Map<number, FlowMod>();
  const onError = (message: Extract<OfpMessage, { type: 'error' }>): void => {
    errors.set(message.xid, message.name);
  };
  session.on('unsolicited_error', onError);
  try {
    if ((options.mode ?? 'bundle') === 'bundle') await viaBundle(session, flows, byXid, errors, options.timeoutMs);
    else await viaStream(session, flows, byXid, options.timeoutMs);
  } catch (error) {
    const failures = collect(errors, byXid);
    if (error instanceof BundleRejected) {
      throw new InstallError(
        `the switch refused ${failures.length} of ${flows.length} flows; the bundle was discarded and nothing was applied${describe(failures)}`,
        failures,
        true,
      );
    }
    if (error instanceof OpenFlowError && error.code === 'SWITCH_ERROR') {
      throw new InstallError(
        `the switch rejected the bundle (${error.switchError?.name ?? error.message}); nothing was applied${describe(failures)}`,
        failures,
        true,
      );
    }
    throw error;
  } finally {
    session.off('unsolicited_error', onError);
  }
  const failures = collect(errors, byXid);
  if (failures.length > 0)
    throw new InstallError(
      `${failures.length} of ${flows.length} flow changes failed${describe(failures)}`,
      failures,
      false,
    );
}

async function viaBundle(
  session: OpenFlowSession,
  flows: readonly FlowMod[],
  byXid: Map<number, FlowMod>,
  errors: Map<number, string>,
  timeoutMs?: number,
): Promise<void> {
  const bundleId = nextBundleId++;
  const flags = BundleFlags.ATOMIC | BundleFlags.ORDERED;
  // The switch handles a connection's messages in order, so the bundle's contents follow
  // its OPEN without waiting for the answer: a busy ovs-vswitchd at thousands of ports
  // answers once per main-loop iteration, and each round trip saved is one iteration.
  const opened = session.request(
    { type: 'bundle_control', bundleId, ctrlType: BundleCtrlType.OPEN_REQUEST, flags },
    timeoutMs,
  );
  opened.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
  try {
    const bundle = { bundleId, flags };
    const xids = await session.sendEncoded(flows.length, (w, i, xid) =>
      encodeFlowModInto(w, flows[i] as FlowMod, xid, bundle),
    );
    xids.forEach((xid, i) => byXid.set(xid, flows[i] as FlowMod));
    // OVS validates each message as it is added and leaves a rejected one out of the
    // bundle; committing then would apply the rest. The barrier flushes those errors first.
    await session.barrier(timeoutMs);
    await opened;
    if ([...errors.keys()].some((xid) => byXid.has(xid))) {
      await session.request(
        { type: 'bundle_control', bundleId, ctrlType: BundleCtrlType.DISCARD_REQUEST, flags },
        timeoutMs,
      );
      throw new BundleRejected();
    }
    await session.request(
      { type: 'bundle_control', bundleId, ctrlType: BundleCtrlType.COMMIT_REQUEST, flags },
      timeoutMs,
    );
  } catch (error) {
    // A bundle that failed to commit is discarded by the switch; one that failed before
    // commit must be discarded explicitly so it does not linger until its timeout.
    if (!(error instanceof BundleRejected) && !(error instanceof OpenFlowError && error.code === 'SWITCH_ERROR')) {
      await session
        .request({ type: 'bundle_control', bundleId, ctrlType: BundleCtrlType.DISCARD_REQUEST, flags }, 5000)
        .catch(() => undefined);
    }
    throw error;
  }
}

async function viaStream(
  session: OpenFlowSession,
  flows: readonly FlowMod[],
  byXid: Map<number, FlowMod>,
  timeoutMs?: number,
): Promise<void> {
  const xids = await session.sendEncoded(flows.length, (w, i, xid) => encodeFlowModInto(w, flows[i] as FlowMod, xid));
  xids.forEach((xid, i) => byXid.set(xid, flows[i] as FlowMod));
  await session.barrier(timeoutMs);
}

function collect(errors: Map<number, string>, byXid: Map<number, FlowMod>): FlowFailure[] {
  const failures: FlowFailure[] = [];
  for (const [xid, error] of errors) {
    const flow = byXid.get(xid);
    if (flow) failures.push({ flow, error });
  }
  return failures;
}

function describe(failures: FlowFailure[]): string {
  if (failures.length === 0) return '';
  const shown = failures
    .slice(0, 3)
    .map((f) => `\n  ${f.error}: ${flowText(f.flow)}`)
    .join('');
  return `${shown}${failures.length > 3 ? `\n  ... and ${failures.length - 3} more` : ''}`;
}
