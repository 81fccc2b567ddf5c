// FlowBackend over OpenFlow: builds the pipeline for the desired state, compares it with
// what the switch holds, and applies only the difference in one atomic bundle. A flow is
// identified by table, priority and match (in canonical order); it is replaced when its
// actions or cookie differ. Flows nobody asked for (someone added them by hand) go.
import { buildPipeline } from '../../flows/pipeline/build';
import { toFlowMod } from '../../flows/pipeline/spec';
import type { PipelineState } from '../../flows/pipeline/model';
import { canonicalMatchText, instructionsText } from '../../flows/ofp/text';
import type { FlowMod, FlowStats } from '../../flows/ofp/types';
import { installFlows } from '../openflow/install';
import type { SwitchClient } from '../openflow/switch-client';
import type { DataplaneState, FlowBackend } from './ovs-dataplane';
import { toPipelineState } from './pipeline-state';

const identity = (f: Pick<FlowMod | FlowStats, 'tableId' | 'priority' | 'match'>): string => `${f.tableId}|${f.priority}|${canonicalMatchText(f.match)}`;
const content = (f: Pick<FlowMod | FlowStats, 'cookie' | 'instructions'>): string => `${(f.cookie ?? 0n).toString(16)}|${instructionsText(f.instructions)}`;

export interface FlowDiff {
  add: FlowMod[];
  remove: FlowMod[];
}

export function diffFlows(desired: FlowMod[], installed: FlowStats[]): FlowDiff {
  const want = new Map(desired.map((f) => [identity(f), f]));
  const have = new Map(installed.map((f) => [identity(f), f]));
  const diff: FlowDiff = { add: [], remove: [] };
  for (const [key, flow] of have) {
    const target = want.get(key);
    if (target && content(target) === content(flow)) continue;
    // OpenFlow 1.3 MODIFY keeps the old cookie, so a changed flow is deleted and re-added.
    diff.remove.push({ command: 'delete_strict', tableId: flow.tableId, priority: flow.priority, match: flow.match, instructions: [] });
  }
  for (const [key, flow] of want) {
    const current = have.get(key);
    if (!current || content(current) !== content(flow)) diff.add.push(flow);
  }
  return diff;
}

export class OpenFlowSync implements FlowBackend {
  /** Flows in the switch after the last pass, for `ovsnet flows`. */
  lastInstalled = 0;

  constructor(
    private readonly client: SwitchClient,
    private readonly timeoutMs = 30_000,
  ) {}

  desired(state: DataplaneState): PipelineState {
    return toPipelineState(state);
  }

  async sync(state: DataplaneState): Promise<{ added: number; modified: number; removed: number }> {
    const session = await this.client.ready(this.timeoutMs);
    const desired = buildPipeline(toPipelineState(state)).map(toFlowMod);
    const installed = await session.dumpFlows();
    const diff = diffFlows(desired, installed);
    if (diff.add.length + diff.remove.length > 0) {
      await installFlows(session, [...diff.remove, ...diff.add], { mode: 'bundle', timeoutMs: this.timeoutMs });
    }
    this.lastInstalled = desired.length;
    const replaced = diff.add.filter((f) => diff.remove.some((r) => identity(r) === identity(f))).length;
    return { added: diff.add.length - replaced, modified: replaced, removed: diff.remove.length - replaced };
  }
}
