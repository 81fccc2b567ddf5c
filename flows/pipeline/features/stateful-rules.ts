// Stateful allow rules (ICC off): IP between endpoints of a network that has one goes
// through the connection tracker first, in the network's zone, and comes back to the policy
// table with its ct_state. A stateful rule then lets its own direction through and commits
// the connection; a reply of a committed connection (+est+rpl) or an ICMP error related to
// one (+rel) passes whichever rule opened it; nothing in the reverse direction opens one.
// Networks with ICC on, and networks with stateless rules only, never touch the tracker.
// Across hosts both ends track: a frame from a tunnel is tracked in the same zone on the
// receiving host, so each host admits only replies of connections its rules let through.
import { allowRuleObject, cookie, networkObject, TABLE_WIDE } from '../cookies';
import { connectionZone, ctStateMatch } from '../conntrack';
import type { PipelineRule, PipelineState } from '../model';
import { Priority } from '../priorities';
import { EtherType } from '../protocols';
import { fieldMatch, NETWORK_TAG } from '../registers';
import type { FlowSpec } from '../spec';
import { tableNumber } from '../tables';

const BAND = Priority.policy;
const IP_TYPES = [
  { type: EtherType.IPV4, name: 'IPv4' },
  { type: EtherType.IPV6, name: 'IPv6' },
] as const;

/** The tags of the networks whose traffic is tracked: ICC off, with a stateful rule. */
export function trackedNetworks(state: PipelineState): Set<number> {
  const iccOff = new Set(state.networks.filter((n) => !n.icc).map((n) => n.tag));
  return new Set(state.rules.filter((r) => r.stateful && iccOff.has(r.networkTag)).map((r) => r.networkTag));
}

/** Per tracked network: untracked IP goes through the tracker; and the replies that pass. */
export function connectionFlows(state: PipelineState): FlowSpec[] {
  const tracked = [...trackedNetworks(state)].sort((a, b) => a - b);
  if (tracked.length === 0) return [];
  const flows: FlowSpec[] = [];
  for (const tag of tracked) {
    for (const ip of IP_TYPES)
      flows.push({
        table: 'policy',
        priority: BAND.connection_lookup,
        cookie: cookie('policy', networkObject(tag)),
        match: [fieldMatch(NETWORK_TAG, tag), { field: 'eth_type', value: ip.type }, ctStateMatch([], ['TRACKED'])],
        actions: [{ type: 'ct', zone: connectionZone(tag), table: tableNumber('policy') }],
        reason: `network ${tag} has stateful rules: ${ip.name} goes through the connection tracker first`,
      });
  }
  // Only committed connections exist in a zone, and only stateful rules commit.
  const base = cookie('policy', TABLE_WIDE);
  flows.push(
    {
      table: 'policy',
      priority: BAND.connection_reply,
      cookie: base,
      match: [ctStateMatch(['TRACKED', 'ESTABLISHED', 'REPLY'], ['INVALID'])],
      actions: [],
      goto: 'output',
      reason: 'a reply of a connection a stateful rule opened',
    },
    {
      table: 'policy',
      priority: BAND.connection_reply,
      cookie: base,
      match: [ctStateMatch(['TRACKED', 'RELATED'], ['INVALID'])],
      actions: [],
      goto: 'output',
      reason: 'an ICMP error related to a connection a stateful rule opened',
    },
  );
  return flows;
}

/**
 * What a stateful rule's conjunction does once its clauses matched: tracked, valid IP (of
 * the rule's protocol, or either IP version) is committed and goes on; anything else
 * matches no flow and is dropped.
 */
export function statefulAllowFlows(rule: PipelineRule, conjunctionId: number, what: string): FlowSpec[] {
  const types = rule.proto ? IP_TYPES.filter((ip) => ip.type === EtherType.IPV4) : IP_TYPES;
  return types.map((ip) => ({
    table: 'policy',
    priority: BAND.allow_rule,
    cookie: cookie('policy', allowRuleObject(rule.id)),
    match: [
      { field: 'conj_id', value: conjunctionId },
      { field: 'eth_type', value: ip.type },
      ctStateMatch(['TRACKED'], ['INVALID']),
    ],
    actions: [{ type: 'ct', commit: true, zone: connectionZone(rule.networkTag) }],
    goto: 'output',
    reason: `${what} allows this ${ip.name} traffic and opens its connection`,
  }));
}
