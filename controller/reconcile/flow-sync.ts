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
import type { DataplaneState, FlowBackend } from './ovs-dataplane';
import { toPipelineState } from './pipeline-state';
import { DesiredFlows, identity, keyed, type Keyed } from './desired-flows';


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

export class OpenFlowSync implements FlowBackend {
  /** Flows in the switch after the last pass, for `ovsnet flows`. */
  lastInstalled = 0;
  private readonly desiredFlows = new DesiredFlows();
  /** How long the last read-back of the table took. */
  private lastDumpMs = 0;
  /** The pipeline state of the last pass, to explain dumped flows by their reasons. */
  private lastState: PipelineState | undefined;
  /**
   * What the switch held after our last change. Reading the whole table back costs as
   * much as computing it, so between verifications (every verifyEveryMs, which is what
   * repairs flows changed by hand) passes trust it. `dumpedAt` is the last full read-back;
   * in between, a flow count (cheap for the switch) catches flows added or deleted by hand.
   */
  private known: { session: object; verifiedAt: number; dumpedAt: number; flows: Keyed; fingerprint: string } | undefined;

  constructor(
    private readonly client: SwitchClient,
    private readonly timeoutMs = 30_000,
    private readonly verifyEveryMs = 2000,
    private readonly now: () => number = Date.now,
  ) {}

  desired(state: DataplaneState): PipelineState {
    return toPipelineState(state);
  }

  /** Why each flow of the last pass exists, by identity() (table|priority|match). */
  reasons(): Map<string, string> {
    const out = new Map<string, string>();
    if (this.lastState) for (const spec of buildPipeline(this.lastState)) out.set(identity(toFlowMod(spec)), spec.reason);
    return out;
  }

  async sync(state: DataplaneState): Promise<{ added: number; modified: number; removed: number }> {
    const session = await this.client.ready(this.timeoutMs);
    const pipelineState = toPipelineState(state);
    // The pipeline is a pure function of this state: when it is what the last pass installed
    // and no verification is due, there is nothing to compute (most passes at scale are
    // woken by OVS reporting ports, which changes no flow).
    const fingerprint = JSON.stringify(pipelineState);
    let known = this.known;
    const now = this.now();
    const sinceVerified = known ? now - known.verifiedAt : Infinity;
    const unchanged = known?.fingerprint === fingerprint;
    // A pass that carries a change (someone is waiting for it) leaves a due verification
    // to the next quiet pass, unless changes never stop for long.
    let verifyDue = !known || known.session !== session || (sinceVerified >= this.verifyEveryMs && (unchanged || sinceVerified >= 3 * this.verifyEveryMs));
    // Reading the table back costs ovs-vswitchd and us in proportion to its size (seconds
    // at tens of thousands of flows, time the switch then cannot spend adding ports), so
    // on big tables most verifications only count the flows.
    const dumpEvery = Math.max(this.verifyEveryMs, 20 * this.lastDumpMs);
    if (verifyDue && known && known.session === session && now - known.dumpedAt < dumpEvery) {
      const counted = await session.aggregate();
      if (counted.flowCount === known.flows.size) {
        known = { ...known, verifiedAt: now };
        this.known = known;
        verifyDue = false;
      }
    }
    if (!verifyDue && unchanged) return { added: 0, modified: 0, removed: 0 };
    const want = this.desiredFlows.keyedFor(pipelineState);
    if (verifyDue || !known) {
      const dumpedAt = this.now();
      known = { session, verifiedAt: dumpedAt, dumpedAt, flows: keyed(await session.dumpFlows()), fingerprint: '' };
      this.lastDumpMs = this.now() - dumpedAt;
    }
    this.known = undefined; // until the change below is known to have landed
    const diff = diffFlows(want, known.flows);
    if (diff.add.length + diff.remove.length > 0) {
      await installFlows(session, [...diff.remove, ...diff.add], { mode: 'bundle', timeoutMs: this.timeoutMs });
    }
    this.known = { ...known, flows: want, fingerprint };
    this.lastInstalled = want.size;
    this.lastState = pipelineState;
    const removed = new Set(diff.remove.map((r) => identity(r)));
    const replaced = diff.add.filter((f) => removed.has(identity(f))).length;
    return { added: diff.add.length - replaced, modified: replaced, removed: diff.remove.length - replaced };
  }
}
