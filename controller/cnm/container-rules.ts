// Allow rules a container carries in its own Docker labels, so a compose file holds its
// policy without a separate command:
//   ovsnet.allow-from=SELECTOR[,SELECTOR…]   these endpoints may open connections to me
//   ovsnet.allow-ports=tcp/80,udp/53,icmp    …on these (absent: any protocol and port)
// Each pair becomes a stateful rule to the container's endpoint, in the endpoint's network,
// for as long as the endpoint exists. They are derived, never stored: Docker's labels are
// the record. A value that does not parse gives no rule (`ovsnet policy ls` shows what does).
import { createHash } from 'node:crypto';
import { parseSelector } from './rule-selectors';
import type { EndpointRecord } from './records';
import type { AllowRule } from './types';

export const ALLOW_FROM_LABEL = 'ovsnet.allow-from';
export const ALLOW_PORTS_LABEL = 'ovsnet.allow-ports';

type Service = Pick<AllowRule, 'proto' | 'port'>;

/** `tcp`, `udp/53`, `icmp`…; undefined for anything else. */
export function parseService(text: string): Service | undefined {
  const m = /^(tcp|udp|icmp)(?:\/(\d{1,5}))?$/.exec(text);
  if (!m) return undefined;
  const proto = m[1] as 'tcp' | 'udp' | 'icmp';
  if (m[2] === undefined) return { proto };
  const port = Number(m[2]);
  if (proto === 'icmp' || port < 1 || port > 65535) return undefined;
  return { proto, port };
}

function parsesAsSelector(text: string): boolean {
  try {
    parseSelector(text, 'selector');
    return true;
  } catch {
    return false;
  }
}

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** The rules the endpoints' containers ask for in their labels. */
export function containerRules(endpoints: readonly EndpointRecord[]): AllowRule[] {
  const rules: AllowRule[] = [];
  for (const e of endpoints) {
    const labels = e.container?.labels;
    if (!labels) continue;
    const sources = list(labels[ALLOW_FROM_LABEL]).filter(parsesAsSelector);
    const portsLabel = labels[ALLOW_PORTS_LABEL];
    const services: Array<Service | undefined> = portsLabel === undefined ? [{}] : list(portsLabel).map(parseService);
    if (services.some((s) => s === undefined)) continue; // a typo must not widen the rule to every port
    for (const from of sources)
      for (const service of services as Service[]) {
        const rule = { networkId: e.networkId, from, to: e.endpointId, ...service };
        const digest = createHash('sha256').update(JSON.stringify(rule)).digest('hex').slice(0, 12);
        rules.push({ id: `label-${digest}`, ...rule });
      }
  }
  return rules;
}
