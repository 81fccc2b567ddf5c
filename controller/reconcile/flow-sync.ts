// FlowBackend over OpenFlow: builds the pipeline for the desired state, compares it with
// what the switch holds, and applies only the difference in one atomic bundle. A flow is
// identified by table, priority and match (in canonical order); it is replaced when its
// actions or cookie differ. Flows nobody asked for (someone added them by hand) go.
import { buildPipeline } from '../../flows/pipeline/build';
import { toFlowMod } from '../../flows/pipeline/spec';
import type { PipelineState } from '../../flows/pipeline/model';
import type { FlowMod } from '../../flows/ofp/types';
import { installFlows } from '../openflow/install';
import type { SwitchClient } from '../openflow/switch-client';
import { OpenFlowError, type OpenFlowSession } from '../openflow/connection';
import type { DataplaneState, FlowBackend } from './ovs-dataplane';
import { toPipelineState } from './pipeline-state';
import { DesiredFlows, identity, type FlowChanges, type Keyed } from './desired-flows';
import { ReadBackKeys } from './read-back';
import { systemClock, type Clock } from '../clock';
import { cookieSelects } from '../../flows/pipeline/cookies';
import { dueFlowCheck, flowCheckThresholds, type FlowCheckThresholds } from './flow-check';

/** The clock, how long a pass waits for the switch, and when checks run (flow-check.ts). */
export interface FlowSyncOptions extends Partial<FlowCheckThresholds> {
  clock?: Clock;
  /** How long a pass waits for a ready session, and for its bundle to be applied (30 s). */
  timeoutMs?: number;
  /**
   * The longest a pass may hold a session (read-back, bundle, commit) before the session
   * is reset and the pass fails (default twice timeoutMs); docs/design.md §12.
   */
  deadlineMs?: number;
  /** Told when a pass puts back flows a check found changed behind ovsnet's back. */
  onDriftRepaired?: (repaired: { added: number; modified: number; removed: number }) => void;
}

const DEFAULT_TIMEOUT_MS = 30_000;

export interface FlowDiff {
  add: FlowMod[];
  remove: FlowMod[];
}

export function diffFlows(want: Keyed, have: Keyed): FlowDiff {
  const diff: FlowDiff = { add: [], remove: [] };
  for (const [key, current] of have) {
    const target = want.get(key);
    if (target && target.content === current.content) continue;
    // OpenFlow 1.3 MODIFY keeps the old cookie, so a changed flow is deleted and re-added.
    const { tableId, priority, match } = current.flow;
    diff.remove.push({ command: 'delete_strict', tableId, priority, match, instructions: [] });
  }
  for (const [key, target] of want) {
    const current = have.get(key);
    if (!current || current.content !== target.content) diff.add.push(target.flow as FlowMod);
  }
  return diff;
}

/** The same difference as diffFlows, from what changed in a table the switch held before the change. */
export function diffChanges(changes: FlowChanges): FlowDiff {
  const diff: FlowDiff = { add: [], remove: [] };
  for (const { before, after } of changes.values()) {
    if (before && after && before.content === after.content) continue;
    if (before) {
      const { tableId, priority, match } = before.flow;
      diff.remove.push({ command: 'delete_strict', tableId, priority, match, instructions: [] });
    }
    if (after) diff.add.push(after.flow as FlowMod);
  }
  return diff;
}

export class OpenFlowSync implements FlowBackend {
  /** Flows in the switch after the last pass, for `ovsnet flows`. */
  lastInstalled = 0;
  /**
   * The switch's own flow count when last seen: by a read-back, a conclusive count of the
   * background check, or a bundle's success. A metrics scrape reports this rather than
   * asking the switch, whose answer would queue behind a read-back on the same connection.
   */
  tableFlows: number | undefined;
  private readonly desiredFlows = new DesiredFlows();
  private readonly readBack = new ReadBackKeys();
  /** How long the last read-back of the table took. */
  private lastDumpMs = 0;
  /** The pipeline state of the last pass, to explain dumped flows by their reasons. */
  private lastState: PipelineState | undefined;
  /**
   * What the switch held after our last change. Reading the whole table back costs as
   * much as computing it, so passes trust this and a verification in the background checks
   * it (which is what repairs flows changed by hand): a full read-back, or on big tables
   * mostly a flow count (see flow-check.ts for when and which).
   * `fingerprint` '' makes the next pass compute and apply the difference.
   */
  private known:
    { session: object; verifiedAt: number; dumpedAt: number; flows: Keyed; fingerprint: string } | undefined;
  /** Bumped by every install, so a verification that overlapped one is not trusted. */
  private installs = 0;
  private lastInstallAt = 0;
  private lastCheckAt = -Infinity;
  private verifying = false;
  /** What the last pass left, when a count found the switch holding something else. */
  private suspect: Keyed | undefined;
  private readonly onDriftRepaired: FlowSyncOptions['onDriftRepaired'];

  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private readonly deadlineMs: number;
  private readonly thresholds: FlowCheckThresholds;

  constructor(
    private readonly client: SwitchClient,
    options: FlowSyncOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.deadlineMs = options.deadlineMs ?? 2 * this.timeoutMs;
    this.thresholds = flowCheckThresholds(options);
    this.onDriftRepaired = options.onDriftRepaired;
  }

  /** The switch's table changed behind our back (a flush): the next pass reads it back. */
  forget(): void {
    this.known = undefined;
  }

  desired(state: DataplaneState): PipelineState {
    return toPipelineState(state);
  }

  /** The pipeline state the last pass installed (what `ovsnet trace` explains flows by). */
  installedState(): PipelineState | undefined {
    return this.lastState;
  }

  /** Why each flow of the last pass exists, by identity() (table|priority|match). */
  reasons(): Map<string, string> {
    const out = new Map<string, string>();
    if (this.lastState)
      for (const spec of buildPipeline(this.lastState)) out.set(identity(toFlowMod(spec)), spec.reason);
    return out;
  }

  /** The flows of the last pass that one object's cookie selects (CNI CHECK compares them with the switch). */
  flowsOf(selector: { cookie: bigint; cookieMask: bigint }): FlowMod[] {
    if (!this.lastState) return [];
    return buildPipeline(this.lastState)
      .map(toFlowMod)
      .filter((f) => cookieSelects(selector, f.cookie ?? 0n));
  }

  async sync(state: DataplaneState): Promise<{ added: number; modified: number; removed: number }> {
    const session = await this.client.ready(this.timeoutMs);
    // A switch that stops reading mid-bundle but keeps its connection would hold the pass
    // (and every later one) for ever: past the deadline the session is reset, which fails
    // whatever waits on it, and the next pass starts over on a fresh session.
    let timer: unknown;
    const expired = new Promise<never>((_, reject) => {
      timer = this.clock.setTimeout(() => {
        const error = new OpenFlowError('TIMEOUT', `the flow pass did not finish within ${this.deadlineMs} ms`);
        session.close();
        reject(error);
      }, this.deadlineMs);
    });
    const work = this.syncOn(session, state);
    work.catch(() => undefined); // the race below reports it; after the deadline it only settles
    try {
      return await Promise.race([work, expired]);
    } finally {
      this.clock.clearTimeout(timer);
    }
  }

  private async syncOn(
    session: OpenFlowSession,
    state: DataplaneState,
  ): Promise<{ added: number; modified: number; removed: number }> {
    const pipelineState = toPipelineState(state);
    // The pipeline is a pure function of this state: when it is what the last pass installed
    // there is nothing to compute (most passes at scale are woken by OVS reporting ports,
    // which changes no flow).
    const fingerprint = JSON.stringify(pipelineState);
    let known = this.known;
    if (known?.session === session && known.fingerprint === fingerprint) {
      this.verifyIfDue(session);
      return { added: 0, modified: 0, removed: 0 };
    }
    const { want, changes } = this.desiredFlows.update(pipelineState);
    if (!known || known.session !== session) {
      // A new connection (first pass, or the switch restarted): only a read-back tells.
      const dumpedAt = this.clock.now();
      const flows = await this.readBack.keyed(await session.dumpFlowEntries(), want);
      known = { session, verifiedAt: dumpedAt, dumpedAt, flows, fingerprint: '' };
      this.lastDumpMs = this.clock.now() - dumpedAt;
      this.tableFlows = known.flows.size;
      if (this.suspect) this.reportDrift(this.suspect, known.flows);
      this.suspect = undefined;
    }
    this.known = undefined; // until the change below is known to have landed
    // The switch holds the table the last pass installed, and `want` is that table changed
    // in place: what changed is the difference, without comparing thousands of flows.
    const diff = changes && known.flows === want ? diffChanges(changes) : diffFlows(want, known.flows);
    if (diff.add.length + diff.remove.length > 0) {
      this.installs++; // a check running now may or may not see this bundle: inconclusive
      await installFlows(session, [...diff.remove, ...diff.add], { mode: 'bundle', timeoutMs: this.timeoutMs });
      this.lastInstallAt = this.clock.now();
    }
    this.known = { ...known, flows: want, fingerprint };
    this.lastInstalled = want.size;
    this.tableFlows = want.size;
    this.lastState = pipelineState;
    this.verifyIfDue(session);
    const removed = new Set(diff.remove.map((r) => identity(r)));
    const replaced = diff.add.filter((f) => removed.has(identity(f))).length;
    return { added: diff.add.length - replaced, modified: replaced, removed: diff.remove.length - replaced };
  }

  /** Tells onDriftRepaired what the switch holds unlike what ovsnet installed (the next pass puts it back). */
  private reportDrift(installed: Keyed, found: Keyed): void {
    if (!this.onDriftRepaired) return;
    const diff = diffFlows(installed, found);
    const removed = new Set(diff.remove.map((r) => identity(r)));
    const replaced = diff.add.filter((f) => removed.has(identity(f))).length;
    this.onDriftRepaired({
      added: diff.add.length - replaced,
      modified: replaced,
      removed: diff.remove.length - replaced,
    });
  }

  /**
   * Checks `known` against the switch without holding up passes: a busy ovs-vswitchd at
   * thousands of ports answers a read-back (or even a count) only after its current
   * reconfiguration, and a join must not wait for that. A difference found makes the
   * next pass (at most the drift period away) repair it.
   */
  private verifyIfDue(session: OpenFlowSession): void {
    const known = this.known;
    if (!known) return;
    if (this.verifying) return;
    const now = this.clock.now();
    const due = dueFlowCheck(
      now,
      {
        verifiedAt: known.verifiedAt,
        readBackAt: known.dumpedAt,
        readBackMs: this.lastDumpMs,
        lastCheckAt: this.lastCheckAt,
        lastInstallAt: this.lastInstallAt,
      },
      this.thresholds,
    );
    if (due === 'none') return;
    this.lastCheckAt = now;
    this.verifying = true;
    const installs = this.installs;
    const check = async (): Promise<void> => {
      if (due === 'count') {
        const counted = await session.aggregate();
        const current = this.known;
        if (this.installs !== installs || current?.session !== session) return; // overlapped a change: inconclusive
        this.tableFlows = counted.flowCount;
        if (counted.flowCount === current.flows.size) this.known = { ...current, verifiedAt: now };
        // The next pass reads the table back and repairs it (a copy: the next pass changes the table in place).
        else [this.known, this.suspect] = [undefined, new Map(current.flows)];
        return;
      }
      const flows = await this.readBack.keyed(await session.dumpFlowEntries(), this.known?.flows);
      this.lastDumpMs = this.clock.now() - now;
      const current = this.known;
      if (this.installs !== installs || current?.session !== session) return;
      this.tableFlows = flows.size;
      const diff = diffFlows(flows, current.flows);
      if (diff.add.length + diff.remove.length > 0) this.reportDrift(current.flows, flows);
      this.known =
        diff.add.length + diff.remove.length === 0
          ? { ...current, verifiedAt: now, dumpedAt: now }
          : { session, verifiedAt: now, dumpedAt: now, flows, fingerprint: '' };
    };
    check()
      .catch(() => undefined) // the next due pass tries again; a lost session shows there too
      .finally(() => (this.verifying = false));
  }
}
