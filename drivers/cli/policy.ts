// `ovsnet policy allow | ls | rm`: allow rules through ICC off, shown with the endpoints
// each one matches now, so a rule that selects nothing is seen at once.
import type { AllowRule, MatchedEndpoint, RuleStatus } from '../../controller/api';
import { askDaemon } from './ask-daemon';
import { UsageError, type ParsedArgs } from './args';

/** Prints `value` as JSON with --json, else what `human` makes of it. */
export type Output = (value: unknown, human: () => string) => void;

const short = (id: string): string => id.slice(0, 12);

/** An endpoint as a person knows it: the container's name, else the endpoint id, and where. */
function endpointText(e: MatchedEndpoint): string {
  const address = e.ipv4 ?? e.ipv6;
  return `${e.name ?? short(e.endpointId)}${address !== undefined ? `(${address})` : ''}${e.host !== undefined ? `@${e.host}` : ''}`;
}

const matchedText = (list: MatchedEndpoint[]): string =>
  list.length === 0 ? 'nothing' : list.map(endpointText).join(',');

function rulesTable(rules: RuleStatus[]): string {
  const rows = rules.map((r) => [
    r.id,
    short(r.networkId),
    r.from,
    r.to,
    r.proto ?? 'any',
    String(r.port ?? 'any'),
    r.stateless ? 'stateless' : 'stateful',
    r.origin,
    `${matchedText(r.matches.from)} -> ${matchedText(r.matches.to)}`,
  ]);
  const titles = ['ID', 'NETWORK', 'FROM', 'TO', 'PROTO', 'PORT', 'STATE', 'ORIGIN', 'MATCHES NOW'];
  const widths = titles.map((t, i) => Math.max(t.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return [line(titles), ...rows.map(line)].join('\n');
}

export async function policyCommand(control: string, args: ParsedArgs, out: Output): Promise<number> {
  const [, sub, ruleId] = [args.command, ...args.positionals];
  if (sub === 'ls' || sub === undefined) {
    const rules = await askDaemon(control, 'policy.ls', {});
    out(rules, () => rulesTable(rules));
    return 0;
  }
  if (sub === 'allow') {
    const need = (k: string): string => {
      const v = args.options.get(k);
      if (!v) throw new UsageError(`ovsnet policy allow needs --${k}`);
      return v;
    };
    const port = args.options.get('port');
    // Sent as typed: the daemon refuses any other protocol with an error naming the field.
    const proto = args.options.get('proto') as AllowRule['proto'];
    const rule = await askDaemon(control, 'policy.allow', {
      networkId: need('network'),
      from: need('from'),
      to: need('to'),
      ...(proto !== undefined ? { proto } : {}),
      ...(port !== undefined ? { port: Number(port) } : {}),
      ...(args.flags.has('stateless') ? { stateless: true } : {}),
      ...(args.flags.has('allow-empty') ? { allowEmpty: true } : {}),
    });
    const empty = rule.matches.from.length === 0 || rule.matches.to.length === 0;
    out(rule, () =>
      [
        `allowed: ${rule.id} (${rule.stateless ? 'stateless' : 'stateful'})`,
        `  from ${rule.from}: ${matchedText(rule.matches.from)}`,
        `  to   ${rule.to}: ${matchedText(rule.matches.to)}`,
        ...(empty ? ['  it allows nothing until both sides match an endpoint'] : []),
      ].join('\n'),
    );
    return 0;
  }
  if (sub === 'rm') {
    if (!ruleId) throw new UsageError('usage: ovsnet policy rm RULE_ID');
    await askDaemon(control, 'policy.rm', { id: ruleId });
    out({ removed: ruleId }, () => `removed: ${ruleId}`);
    return 0;
  }
  throw new UsageError(`unknown policy command "${sub}" (allow, ls, rm)`);
}
