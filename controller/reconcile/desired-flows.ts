// The desired flow table keyed for comparison with the switch: a flow is identified by
// table, priority and canonical match, and compared by cookie and instructions. An
// endpoint's flows depend on that endpoint alone, so they (and their keys, the costly
// part) are reused while it is unchanged: a pass costs what changed, not the bridge size.
// The same holds for a remote endpoint (another host's container in a spanning network),
// whose flows depend on it, its host's tunnel address and its network's VNI alone: in a
// cluster those outnumber the host's own endpoints by the number of hosts.
//
// The table itself is kept from one call to the next and only the parts that changed are
// taken out and put in, and the call says which flows those were: at a few thousand flows,
// building the whole table again and comparing it whole with the switch's was most of a
// busy daemon's work per pass (and its garbage). That holds while no two parts make a flow
// with the same key; when two do, the table is built whole in order (later parts win), as
// it always was, and compared whole.
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

/** Per key whose flow came, went or was replaced since the last call: the flow before and after. */
export type FlowChanges = Map<string, { before?: KeyedFlow; after?: KeyedFlow }>;

export interface DesiredTable {
  /** The whole desired table. It is the instance's own: the next call changes it. */
  want: Keyed;
  /**
   * How `want` differs from the table the last call returned, when it is that same table
   * changed in place; absent when it is a new one (the first call, or parts that overlap),
   * which is then to be compared whole.
   */
  changes?: FlowChanges;
}

export const keyedEntry = (f: FlowMod | FlowStats): [string, KeyedFlow] => [
  identity(f),
  { flow: f, content: content(f) },
];

export function keyed(flows: ReadonlyArray<FlowMod | FlowStats>): Keyed {
  return new Map(flows.map(keyedEntry));
}

export class DesiredFlows {
  /**
   * Keyed flows per part, from the last call, in the order they are laid into the table:
   * the common flows, then each local endpoint (`local JSON`), then each remote one
   * (`remote JSON`).
   */
  private parts = new Map<string, Keyed>();
  private want: Keyed | undefined;
  /** Which part each key of `want` came from; undefined while parts overlap. */
  private ownerOf: Map<string, Keyed> | undefined;

  /** The desired table; the same map the last call returned, changed in place, when it can be. */
  update(state: PipelineState): DesiredTable {
    const next = this.partsFor(state);
    const previous = this.parts;
    this.parts = next;
    const changes = this.want && this.ownerOf ? this.changeInPlace(this.want, this.ownerOf, previous, next) : undefined;
    if (changes && this.want) return { want: this.want, changes };
    const [want, ownerOf] = layOut(next);
    this.want = want;
    this.ownerOf = ownerOf;
    return { want };
  }

  private partsFor(state: PipelineState): Map<string, Keyed> {
    const next = new Map<string, Keyed>([['common', keyed(commonFlows(state).map(toFlowMod))]]);
    const add = (signature: string, flows: () => Keyed): void => {
      if (!next.has(signature)) next.set(signature, this.parts.get(signature) ?? flows());
    };
    for (const ep of state.endpoints) add(`local ${JSON.stringify(ep)}`, () => keyed(endpointFlows(ep).map(toFlowMod)));
    for (const ep of resolveRemoteEndpoints(state))
      add(`remote ${JSON.stringify(ep)}`, () => keyed(remoteEndpointFlows(ep).map(toFlowMod)));
    return next;
  }

  /**
   * Takes the parts that went out of `want` and puts the new ones in, and says what that
   * changed; undefined, with `want` untouched, when a new part's flow has the key of
   * another part's that stays.
   */
  private changeInPlace(
    want: Keyed,
    ownerOf: Map<string, Keyed>,
    previous: Map<string, Keyed>,
    next: Map<string, Keyed>,
  ): FlowChanges | undefined {
    const kept = new Set(next.values());
    const had = new Set(previous.values());
    const gone = [...had].filter((part) => !kept.has(part));
    const came = [...kept].filter((part) => !had.has(part));
    // Every key's owner is a part of the last call: one that is kept stays in the table.
    const claimed = new Set<string>();
    for (const part of came)
      for (const key of part.keys()) {
        const owner = ownerOf.get(key);
        if ((owner && kept.has(owner)) || claimed.has(key)) return undefined;
        claimed.add(key);
      }
    const changes: FlowChanges = new Map();
    for (const part of gone)
      for (const [key, before] of part) {
        changes.set(key, { before });
        want.delete(key);
        ownerOf.delete(key);
      }
    for (const part of came)
      for (const [key, after] of part) {
        const before = changes.get(key)?.before;
        changes.set(key, before ? { before, after } : { after });
        want.set(key, after);
        ownerOf.set(key, part);
      }
    return changes;
  }
}

/** The table the parts make in order (a later part's flow replaces an earlier one's), and each key's part unless two overlap. */
function layOut(parts: Map<string, Keyed>): [Keyed, Map<string, Keyed> | undefined] {
  const want: Keyed = new Map();
  const ownerOf = new Map<string, Keyed>();
  let overlap = false;
  for (const part of parts.values())
    for (const [key, entry] of part) {
      if (ownerOf.has(key)) overlap = true;
      want.set(key, entry);
      ownerOf.set(key, part);
    }
  return [want, overlap ? undefined : ownerOf];
}
