// Allow rules given when a network is created, so a compose file's network carries its own
// policy: `-o ovsnet.allow=RULE[;RULE…]` (and `-o ovsnet.allow.NAME=…` for one rule per
// option, easier to read in a compose file), or `ovsnet network create --allow RULE`.
//   RULE     FROM>TO[:SERVICE[,SERVICE…]]
//   SERVICE  tcp, udp or icmp, tcp/PORT or udp/PORT (none: any protocol and port)
// e.g. `label:app=web>label:app=db:tcp/5432;label:app=web>cache:tcp/6379,udp/6379`.
// FROM and TO are selectors (rule-selectors.ts). The rules are stateful and live in the
// network's record (types.ts NetworkSpec.allow), in a canonical order, so they go with the
// network, reach every host with it, and two hosts creating the same network compare them.
import { createHash } from 'node:crypto';
import { invalid } from '../errors';
import { checkRuleFields } from './allow-rules';
import { parseService } from './container-rules';
import { parseSelector } from './rule-selectors';
import type { NetworkRecord } from './records';
import type { AllowRule, NetworkAllowRule } from './types';

/** The `docker network create -o` key; `ALLOW_OPTION.NAME` keys add more rules. */
export const ALLOW_OPTION = 'ovsnet.allow';

const SYNTAX = 'FROM>TO[:SERVICE[,SERVICE…]], e.g. label:app=web>label:app=db:tcp/5432';
/** An IPv6 address or CIDR, whose last group may start with a letter as a service does. */
const ADDRESS_ONLY = /^[0-9a-fA-F:.]+(\/\d+)?$/;

/** Parses the rules of one option value; INVALID_ARGUMENT naming the rule and its bad part. */
export function parseNetworkRules(text: string): NetworkAllowRule[] {
  const rules: NetworkAllowRule[] = [];
  const pieces = text.split(';').map((p) => p.trim());
  pieces.forEach((piece, index) => {
    if (piece === '') return; // a trailing ";" or an empty value
    const what = `rule ${index + 1} "${piece}"`;
    const sides = piece.split('>').map((s) => s.trim());
    if (sides.length !== 2 || sides[0] === '' || sides[1] === '') throw invalid(`${what} must be ${SYNTAX}`);
    const from = sides[0] as string;
    const [to, services] = splitServices(sides[1] as string);
    parseSelector(from, `${what}: FROM`);
    parseSelector(to, `${what}: TO`);
    for (const service of services ?? [undefined]) {
      const parsed = service === undefined ? {} : parseService(service);
      if (parsed === undefined)
        throw invalid(`${what}: service "${service}" must be tcp, udp or icmp, or tcp/PORT or udp/PORT (1-65535)`);
      rules.push({ from, to, ...parsed });
    }
  });
  return canonical(rules);
}

/** The option value that parses back to `rules`. */
export function formatNetworkRules(rules: readonly NetworkAllowRule[]): string {
  return rules.map(formatRule).join(';');
}

function formatRule(rule: NetworkAllowRule): string {
  const service = rule.proto === undefined ? '' : `:${rule.proto}${rule.port !== undefined ? `/${rule.port}` : ''}`;
  return `${rule.from}>${rule.to}${service}`;
}

/** Splits "TO:SERVICES" where the last ":" starts a service list rather than a part of TO. */
function splitServices(text: string): [string, string[] | undefined] {
  const colon = text.lastIndexOf(':');
  if (colon < 0) return [text, undefined];
  const tail = text.slice(colon + 1);
  // `label:app=db` and IPv6 addresses have colons of their own.
  if (!/^[A-Za-z]/.test(tail) || tail.includes('=') || ADDRESS_ONLY.test(text)) return [text, undefined];
  return [text.slice(0, colon).trim(), tail.split(',').map((s) => s.trim())];
}

/**
 * A network request's rules checked field by field, without duplicates, in a fixed order
 * (so a network's settings compare equal whatever order its rules were given in).
 */
export function validateNetworkRules(rules: unknown): NetworkAllowRule[] {
  if (!Array.isArray(rules)) throw invalid('network "allow" must be a list of rules');
  return canonical(
    rules.map((rule: unknown, index) => {
      const what = `network allow rule ${index + 1}`;
      if (typeof rule !== 'object' || rule === null) throw invalid(`${what} must be an object`);
      if ('stateless' in rule) throw invalid(`${what}: rules given with a network are stateful`);
      const fields = checkRuleFields(rule as NetworkAllowRule, what);
      return {
        from: fields.from,
        to: fields.to,
        ...(fields.proto !== undefined ? { proto: fields.proto } : {}),
        ...(fields.port !== undefined ? { port: fields.port } : {}),
      };
    }),
  );
}

function canonical(rules: NetworkAllowRule[]): NetworkAllowRule[] {
  const byText = new Map(rules.map((r) => [formatRule(r), r]));
  return [...byText.keys()].sort().map((text) => byText.get(text) as NetworkAllowRule);
}

/** The allow rules the networks carry, as rules of the network they are in. */
export function networkRules(networks: readonly NetworkRecord[]): AllowRule[] {
  return networks.flatMap((network) =>
    (network.allow ?? []).map((r) => {
      const rule = { networkId: network.id, ...r };
      const digest = createHash('sha256').update(JSON.stringify(rule)).digest('hex').slice(0, 12);
      return { id: `net-${digest}`, ...rule };
    }),
  );
}

/** Whether `id` names a rule that comes with a network (removed only with it). */
export const isNetworkRuleId = (id: string): boolean => id.startsWith('net-');
