// Allow rules: `rule/<id>` records, each punching one hole through a network's ICC off.
// A rule's id is derived from its content, so adding the same rule twice stores one rule
// and returns it both times; a rule is only added while its network exists, and goes when
// the network is deleted (see networks.ts). Removing an absent rule is an error, so a
// mistyped id does not pass silently. Each call is one transaction.
//
// Cluster-wide by nature: a rule applies to its network on every host.
import { createHash } from 'node:crypto';
import { invalid, notFound } from '../errors';
import { parseSelector } from './rule-selectors';
import type { CasCommitter } from './cas';
import type { NetworkStore } from './networks';
import { keys } from './records';
import type { AllowRule } from './types';

export class AllowRuleStore {
  constructor(
    private readonly cas: CasCommitter,
    private readonly networks: NetworkStore,
  ) {}

  /** Every rule, or those of one network. */
  async list(networkId?: string): Promise<AllowRule[]> {
    const rules = (await this.cas.store.list(keys.rules())).map((e) => e.value as AllowRule);
    return networkId === undefined ? rules : rules.filter((r) => r.networkId === networkId);
  }

  /** Store keys of a network's rules. */
  async keysOf(networkId: string): Promise<string[]> {
    return (await this.list(networkId)).map((r) => keys.rule(r.id));
  }

  /** Adds a rule, or returns the same rule already stored. */
  async add(input: Omit<AllowRule, 'id'>): Promise<AllowRule> {
    const rule = validateRule(input);
    await this.networks.require(rule.networkId);
    return this.cas.commit<AllowRule>(async () => {
      const existing = await this.cas.store.get(keys.rule(rule.id));
      if (existing) return { done: existing.value as AllowRule };
      return {
        result: rule,
        txn: {
          compares: [{ key: keys.rule(rule.id), revision: 0 }, await this.networks.stillExists(rule.networkId)],
          puts: [{ key: keys.rule(rule.id), value: rule }],
        },
      };
    });
  }

  /** Removes a rule by id; NOT_FOUND when there is none. */
  async remove(id: string): Promise<void> {
    await this.cas.commit<void>(async () => {
      const existing = await this.cas.store.get(keys.rule(id));
      if (!existing) throw notFound(`allow rule "${id}" does not exist`);
      return {
        result: undefined,
        txn: { compares: [{ key: existing.key, revision: existing.revision }], deletes: [existing.key] },
      };
    });
  }
}

/** The rule as stored, with its content-derived id; INVALID_ARGUMENT naming the bad field. */
function validateRule(input: Omit<AllowRule, 'id'>): AllowRule {
  if (typeof input !== 'object' || input === null) throw invalid('rule must be an object');
  const rule: Omit<AllowRule, 'id'> = { networkId: input.networkId, ...checkRuleFields(input, 'rule') };
  const id = createHash('sha256').update(JSON.stringify(rule)).digest('hex').slice(0, 12);
  return { id, ...rule };
}

/**
 * A rule's selectors and service checked, with only the fields that are set (in a fixed
 * order: ids are derived from the result); INVALID_ARGUMENT naming `what` and the field.
 */
export function checkRuleFields(input: Omit<AllowRule, 'id' | 'networkId'>, what: string): RuleFields {
  for (const side of ['from', 'to'] as const) parseSelector(input[side], `${what} "${side}"`);
  if (input.proto !== undefined && !['tcp', 'udp', 'icmp'].includes(input.proto))
    throw invalid(`${what} proto "${String(input.proto)}" must be tcp, udp or icmp`);
  if (input.stateless !== undefined && typeof input.stateless !== 'boolean')
    throw invalid(`${what} "stateless" must be true or false`);
  if (input.port !== undefined) {
    if (input.proto !== 'tcp' && input.proto !== 'udp') throw invalid(`${what} port needs proto tcp or udp`);
    if (!Number.isInteger(input.port) || input.port < 1 || input.port > 65535)
      throw invalid(`${what} port ${String(input.port)} must be 1-65535`);
  }
  return {
    from: input.from,
    to: input.to,
    ...(input.proto !== undefined ? { proto: input.proto } : {}),
    ...(input.port !== undefined ? { port: input.port } : {}),
    // Only when set, so rules stored before the field existed keep their ids.
    ...(input.stateless === true ? { stateless: true } : {}),
  };
}

export type RuleFields = Omit<AllowRule, 'id' | 'networkId'>;
