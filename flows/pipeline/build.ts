// The whole pipeline for a desired state: every feature's flows, merged where OpenFlow
// would otherwise keep only one of several flows with the same match.
import type { PipelineState } from './model';
import { mergeSameMatch, type FlowSpec } from './spec';
import { classifyFlows } from './features/classify';
import { routedSourceFlows } from './features/routed-source';
import { portSecurityFlows } from './features/port-security';
import { arpResponderFlows } from './features/arp-responder';
import { l2Flows } from './features/l2';
import { policyFlows } from './features/policy';
import { outputFlows } from './features/output';

export function buildPipeline(state: PipelineState): FlowSpec[] {
  return mergeSameMatch([
    ...classifyFlows(state),
    ...routedSourceFlows(state),
    ...portSecurityFlows(state),
    ...arpResponderFlows(state),
    ...l2Flows(state),
    ...policyFlows(state),
    ...outputFlows(state),
  ]);
}
