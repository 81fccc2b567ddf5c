// The desired flow table keyed for comparison with the switch: a flow is identified by
// table, priority and canonical match, and compared by cookie and instructions. An
// endpoint's flows depend on that endpoint alone, so they (and their keys, the costly
// part) are reused while it is unchanged: a pass costs what changed, not the bridge size.
// The same holds for a remote endpoint (another host's container in a spanning network),
// whose flows depend on it, its host's tunnel address and its network's VNI alone: in a
// cluster those outnumber the host's own endpoints by the number of hosts.
import { commonFlows, endpointFlows, remoteEndpointFlows } from '../../flows/pipeline/build';
import { resolveRemoteEndpoints } from '../../flows/pipeline/overlay';
import { toFlowMod } from '../../flows/pipeline/spec';
import type { PipelineState } from '../../flows/pipeline/model';
import { canonicalMatchText, instructionsText } from '../../flows/ofp/text';
import type { FlowMod, FlowStats } from '../../flows/ofp/types';

export const identity = (f: Pick<FlowMod | FlowStats, 'tableId' | 'priority' | 'match'>): string =>
  `${f.tableId}|${f.priority}|${canonicalMatchText(f.match)}`;
export const content = (f: Pick<FlowMod | FlowStats, 'cookie' | 'instructions'>): string =>
  `${(f.cookie ?? 0n).toString(16)}|${instructionsText(f.instructions)}`;

export type Keyed = Map<string, { flow: Pick<FlowMod, 'tableId' | 'priority' | 'match'>; content: string }>;

/** One flow as keyed() holds it. */
export type KeyedFlow = Keyed extends Map<string, infer V> ? V : never;

export const keyedEntry = (f: FlowMod | FlowStats): [string, KeyedFlow] => [
  identity(f),
  { flow: f, content: content(f) },
];

export function keyed(flows: ReadonlyArray<FlowMod | FlowStats>): Keyed {
  return new Map(flows.map(keyedEntry));
}

export class DesiredFlows {
  /** Keyed flows per local endpoint (`local JSON`) and remote one (`remote JSON`), from the last call. */
  private cache = new Map<string, Keyed>();

  keyedFor(state: PipelineState): Keyed {
    const want = keyed(commonFlows(state).map(toFlowMod));
    const next = new Map<string, Keyed>();
    const add = (signature: string, flows: () => Keyed): void => {
      const entries = next.get(signature) ?? this.cache.get(signature) ?? flows();
      next.set(signature, entries);
      for (const [key, entry] of entries) want.set(key, entry);
    };
    for (const ep of state.endpoints) add(`local ${JSON.stringify(ep)}`, () => keyed(endpointFlows(ep).map(toFlowMod)));
    for (const ep of resolveRemoteEndpoints(state))
      add(`remote ${JSON.stringify(ep)}`, () => keyed(remoteEndpointFlows(ep).map(toFlowMod)));
    this.cache = next;
    return want;
  }
}
