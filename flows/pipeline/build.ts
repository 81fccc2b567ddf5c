// The whole pipeline for a desired state: every feature's flows, merged where OpenFlow
// would otherwise keep only one of several flows with the same match. Flows that concern
// one endpoint alone depend on nothing but that endpoint, so a caller may reuse them from
// one state to the next (the controller does, at thousands of endpoints).
import type { PipelineEndpoint, PipelineState } from './model';
import { mergeSameMatch, type FlowSpec } from './spec';
import { resolveRemoteEndpoints, type ResolvedRemoteEndpoint } from './overlay';
import { classifyEndpointFlows, classifyFlows } from './features/classify';
import { routedSourceFlows } from './features/routed-source';
import { portSecurityEndpointFlows, portSecurityFlows } from './features/port-security';
import { arpResponderEndpointFlows, arpResponderFlows, arpResponderRemoteFlows } from './features/arp-responder';
import { l2EndpointFlows, l2Flows, l2RemoteFlows } from './features/l2';
import { policyFlows } from './features/policy';
import { outputEndpointFlows, outputFlows } from './features/output';
import { tunnelClassifyFlows } from './features/tunnel-classify';
import { tunnelSecurityEndpointFlows, tunnelSecurityFlows } from './features/tunnel-security';
import { outputRemoteFlows, tunnelOutputFlows } from './features/tunnel-output';

/** The flows of one endpoint: a pure function of the endpoint's own fields. */
export function endpointFlows(ep: PipelineEndpoint): FlowSpec[] {
  return [
    ...classifyEndpointFlows(ep),
    ...portSecurityEndpointFlows(ep),
    ...arpResponderEndpointFlows(ep),
    ...l2EndpointFlows(ep),
    ...outputEndpointFlows(ep),
  ];
}

/**
 * The flows of one remote endpoint: a pure function of it, its host's tunnel address and
 * its network's VNI and tunnel port (resolveRemoteEndpoints), so they too can be reused.
 */
export function remoteEndpointFlows(ep: ResolvedRemoteEndpoint): FlowSpec[] {
  return [
    ...tunnelSecurityEndpointFlows(ep),
    ...arpResponderRemoteFlows(ep),
    ...l2RemoteFlows(ep),
    ...outputRemoteFlows(ep),
  ];
}

/**
 * Per network, per rule, per host and the fixed flows: everything but one endpoint's,
 * local or remote. No remote endpoint's flow shares a match with one of these (each
 * matches that endpoint's own MAC, address or tunnel source), so a caller may reuse
 * remote endpoints' flows beside them as it does local ones'.
 */
export function commonFlows(state: PipelineState): FlowSpec[] {
  return mergeSameMatch([
    ...classifyFlows(state),
    ...routedSourceFlows(state),
    ...portSecurityFlows(state),
    ...arpResponderFlows(state),
    ...l2Flows(state),
    ...policyFlows(state),
    ...outputFlows(state),
    // The overlay adds nothing to a state without tunnel ports.
    ...tunnelClassifyFlows(state),
    ...tunnelSecurityFlows(state),
    ...tunnelOutputFlows(state),
  ]);
}

/** Everything but local endpoints' flows: the common flows and every remote endpoint's. */
export function sharedFlows(state: PipelineState): FlowSpec[] {
  return mergeSameMatch([...commonFlows(state), ...resolveRemoteEndpoints(state).flatMap(remoteEndpointFlows)]);
}

export function buildPipeline(state: PipelineState): FlowSpec[] {
  return [...sharedFlows(state), ...state.endpoints.flatMap(endpointFlows)];
}
