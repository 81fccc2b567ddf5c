// policy: isolation and inter-container communication. A frame only ever reaches ports of
// its own network (l2_lookup matched the tag). The gateway may talk to everyone; endpoints
// of an ICC-on network to each other; with ICC off only what an allow rule permits (one
// conjunctive match per rule, so flows grow with endpoints plus rules, not their product),
// with the replies of that traffic: any reverse of its match for a stateless rule, only
// replies of connections it opened for a stateful one (stateful-rules.ts). Internal
// networks never reach beyond their subnets.
// Across hosts the same flows hold on both ends of a tunnel: an allow rule names remote
// endpoints by their pipeline port (tunnel.ts), as the sender in remote_source and as the
// receiver in output_port. Gateways stay per host: a gateway never reaches another host's
// endpoint, a tunnel never reaches this host's gateway, and a tunnel never feeds a tunnel.
import { allowRuleObject, cookie, networkObject, TABLE_WIDE } from '../cookies';
import { Priority } from '../priorities';
import {
  DESTINATION_KIND,
  fieldMatch,
  Kind,
  NETWORK_TAG,
  NO_NETWORK,
  OUTPUT_PORT,
  REMOTE_SOURCE,
  SOURCE_KIND,
  SOURCE_NETWORK,
} from '../registers';
import type { PipelineRule, PipelineState } from '../model';
import type { FlowSpec } from '../spec';
import { EtherType, IpProto } from '../protocols';
import type { MatchField } from '../../ofp/match';
import { addressMatch } from '../prefix';
import { hasOverlay } from '../overlay';
import { remotePort } from '../tunnel';
import { connectionFlows, statefulAllowFlows, trackedNetworks } from './stateful-rules';

const PROTO = { tcp: IpProto.TCP, udp: IpProto.UDP, icmp: IpProto.ICMP } as const;
const BAND = Priority.policy;

function protocolClause(rule: PipelineRule, reply: boolean): MatchField[] | undefined {
  if (!rule.proto) return undefined;
  const base: MatchField[] = [
    { field: 'eth_type', value: EtherType.IPV4 },
    { field: 'ip_proto', value: PROTO[rule.proto] },
  ];
  if (rule.port === undefined || rule.proto === 'icmp') return base;
  return [...base, { field: `${rule.proto}_${reply ? 'src' : 'dst'}`, value: rule.port }];
}

/** The clauses of a rule's conjunctive match; the protocol clause only when the rule names one. */
const Clause = { SENDER: 1, RECEIVER: 2, PROTOCOL: 3 } as const;

/** Each rule has two conjunctions: the traffic it allows, and (stateless) that traffic's replies. */
const conjunctionId = (rule: PipelineRule, reply: boolean): number => rule.id * 2 + (reply ? 1 : 0);

function ruleFlows(rule: PipelineRule): FlowSpec[] {
  const flows: FlowSpec[] = [];
  const c = cookie('policy', allowRuleObject(rule.id));
  // A stateful rule's replies are the connection tracker's to recognise.
  for (const reply of rule.stateful ? [false] : [false, true]) {
    const id = conjunctionId(rule, reply);
    const senders = reply ? rule.to : rule.from;
    const receivers = reply ? rule.from : rule.to;
    const remoteSenders = (reply ? rule.toRemote : rule.fromRemote) ?? [];
    const remoteReceivers = (reply ? rule.fromRemote : rule.toRemote) ?? [];
    const proto = protocolClause(rule, reply);
    const n = proto ? Clause.PROTOCOL : Clause.RECEIVER; // numbered from 1: the last clause is the count
    const what = `rule ${rule.id}${reply ? ' (replies)' : ''}`;
    const clause = (match: MatchField[], which: number, reason: string): FlowSpec => ({
      table: 'policy',
      priority: BAND.allow_rule,
      cookie: c,
      match,
      actions: [{ type: 'conjunction', id, clause: which, nClauses: n }],
      reason: `${what}: ${reason}`,
    });
    for (const port of senders)
      flows.push(clause([{ field: 'in_port', value: port }], Clause.SENDER, `from port ${port}`));
    for (const remote of remoteSenders)
      flows.push(
        clause([fieldMatch(REMOTE_SOURCE, remotePort(remote))], Clause.SENDER, `from remote endpoint ${remote}`),
      );
    for (const port of receivers)
      flows.push(clause([fieldMatch(OUTPUT_PORT, port)], Clause.RECEIVER, `to port ${port}`));
    for (const remote of remoteReceivers)
      flows.push(
        clause([fieldMatch(OUTPUT_PORT, remotePort(remote))], Clause.RECEIVER, `to remote endpoint ${remote}`),
      );
    if (proto)
      flows.push(clause(proto, Clause.PROTOCOL, `${rule.proto}${rule.port !== undefined ? ` port ${rule.port}` : ''}`));
    if (rule.stateful) {
      flows.push(...statefulAllowFlows(rule, id, what));
      continue;
    }
    flows.push({
      table: 'policy',
      priority: BAND.allow_rule,
      cookie: c,
      match: [{ field: 'conj_id', value: id }],
      actions: [],
      goto: 'output',
      reason: `${what} allows this traffic`,
    });
  }
  return flows;
}

export function policyFlows(state: PipelineState): FlowSpec[] {
  const base = cookie('policy', TABLE_WIDE);
  const flows: FlowSpec[] = [
    {
      table: 'policy',
      priority: BAND.gateway_outside,
      cookie: base,
      match: [fieldMatch(SOURCE_KIND, Kind.GATEWAY), fieldMatch(SOURCE_NETWORK, NO_NETWORK)],
      actions: [],
      goto: 'output',
      reason: 'the host and the outside world reach endpoints through the gateway',
    },
    {
      table: 'policy',
      priority: BAND.gateway_routed,
      cookie: base,
      match: [fieldMatch(SOURCE_KIND, Kind.GATEWAY)],
      actions: [],
      reason: 'routed from another ovsnet network: isolated, as with Docker bridge networks',
    },
    {
      table: 'policy',
      priority: BAND.to_gateway,
      cookie: base,
      match: [fieldMatch(DESTINATION_KIND, Kind.GATEWAY)],
      actions: [],
      goto: 'output',
      reason: 'every endpoint reaches its gateway',
    },
    {
      table: 'policy',
      priority: BAND.broadcast,
      cookie: base,
      match: [fieldMatch(DESTINATION_KIND, Kind.BROADCAST)],
      actions: [],
      goto: 'output',
      reason: 'broadcast is limited per network in the output table',
    },
  ];
  for (const net of state.networks) {
    const c = cookie('policy', networkObject(net.tag));
    flows.push({
      table: 'policy',
      priority: BAND.gateway_own_network,
      cookie: c,
      match: [
        fieldMatch(SOURCE_KIND, Kind.GATEWAY),
        fieldMatch(NETWORK_TAG, net.tag),
        fieldMatch(SOURCE_NETWORK, net.tag),
      ],
      actions: [],
      goto: 'output',
      reason: `from the gateway of network ${net.tag} with a source in that network`,
    });
    if (net.icc) {
      flows.push({
        table: 'policy',
        priority: BAND.icc,
        cookie: c,
        match: [fieldMatch(NETWORK_TAG, net.tag)],
        actions: [],
        goto: 'output',
        reason: `ICC is on in network ${net.tag}`,
      });
    }
    if (net.internal && net.gateway) {
      // Above the gateway rule: packets to the gateway must stay inside the subnets.
      const toGateway = [fieldMatch(NETWORK_TAG, net.tag), fieldMatch(DESTINATION_KIND, Kind.GATEWAY)];
      for (const subnet of net.subnets) {
        flows.push({
          table: 'policy',
          priority: BAND.internal_subnet,
          cookie: c,
          match: [...toGateway, ...addressMatch(subnet, 'dst')],
          actions: [],
          goto: 'output',
          reason: `internal network ${net.tag}: ${subnet} stays reachable through the gateway port`,
        });
      }
      flows.push(
        {
          table: 'policy',
          priority: BAND.internal_outside,
          cookie: c,
          match: [...toGateway, { field: 'eth_type', value: EtherType.IPV4 }],
          actions: [],
          reason: `internal network ${net.tag}: nothing leaves the subnet`,
        },
        {
          table: 'policy',
          priority: BAND.internal_outside,
          cookie: c,
          match: [...toGateway, { field: 'eth_type', value: EtherType.IPV6 }],
          actions: [],
          reason: `internal network ${net.tag}: nothing leaves the subnet`,
        },
      );
    }
  }
  // A stateful rule where ICC is on has nothing to add (and nothing tracks that network).
  const tracked = trackedNetworks(state);
  for (const rule of state.rules) if (!rule.stateful || tracked.has(rule.networkTag)) flows.push(...ruleFlows(rule));
  flows.push(...connectionFlows(state));
  if (hasOverlay(state)) flows.push(...overlayBoundaryFlows());
  return flows;
}

function overlayBoundaryFlows(): FlowSpec[] {
  const c = cookie('policy', TABLE_WIDE);
  const never = (source: number, destination: number, reason: string): FlowSpec => ({
    table: 'policy',
    priority: BAND.overlay_boundary,
    cookie: c,
    match: [fieldMatch(SOURCE_KIND, source), fieldMatch(DESTINATION_KIND, destination)],
    actions: [],
    reason,
  });
  return [
    never(Kind.GATEWAY, Kind.REMOTE, "a host's gateway never reaches another host's endpoint (it has its own)"),
    never(Kind.REMOTE, Kind.GATEWAY, "a tunnel never reaches this host's gateway: no host routes another's containers"),
    never(Kind.REMOTE, Kind.REMOTE, 'split horizon: what came from a tunnel never goes back into one'),
  ];
}
