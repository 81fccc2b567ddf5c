// The flows the switch holds, as the simulator reads them: the live page's matrix is
// computed from what is installed (hand edits and drift included), not from what ovsnet
// meant to install. Reasons come from the pipeline by identity (table, priority, match).
import type { Action } from '../../../flows/ofp/actions';
import type { MatchField } from '../../../flows/ofp/match';
import type { FlowStats } from '../../../flows/ofp/types';
import type { FlowSpec } from '../../../flows/pipeline/spec';
import { tableName } from '../../../flows/pipeline/tables';
import { identity } from '../../reconcile/desired-flows';

export function installedFlowSpecs(dumped: readonly FlowStats[], reasons: ReadonlyMap<string, string>): FlowSpec[] {
  const specs: FlowSpec[] = [];
  for (const flow of dumped) {
    const table = tableName(flow.tableId);
    if (table === undefined) continue;
    const actions: Action[] = [];
    let goto: FlowSpec['goto'];
    for (const instruction of flow.instructions) {
      if (instruction.type === 'apply_actions') actions.push(...(instruction.actions as Action[]));
      if (instruction.type === 'goto_table') goto = tableName(instruction.table);
    }
    specs.push({
      table,
      priority: flow.priority,
      cookie: flow.cookie,
      // Fields the codec does not know stay raw; the pipeline's flows use none of them.
      match: flow.match.filter((m): m is MatchField => !m.field.startsWith('oxm:')),
      actions,
      ...(goto !== undefined ? { goto } : {}),
      reason: reasons.get(identity(flow)) ?? 'a flow ovsnet did not install',
    });
  }
  return specs;
}
