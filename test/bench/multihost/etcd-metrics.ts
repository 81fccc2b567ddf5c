// How many requests etcd served: its Prometheus /metrics, read from inside the underlay
// namespace (where the lab's etcd also listens on loopback). Unary calls (Range, Txn, Put,
// LeaseGrant, …) are counted by grpc_server_handled_total when they finish; messages on
// long-lived streams (watch creations, lease keep-alives) by grpc_server_msg_received_total.
import { runOk } from '../../../controller/host/exec';

const METRICS_URL = 'http://127.0.0.1:2379/metrics';

export interface EtcdCounts {
  /** Finished unary calls by method. */
  unary: Map<string, number>;
  /** Messages received on streams by method (Watch, LeaseKeepAlive). */
  streamed: Map<string, number>;
}

function labels(text: string): Map<string, string> {
  return new Map([...text.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] as string, m[2] as string]));
}

export function parseEtcdMetrics(text: string): EtcdCounts {
  const counts: EtcdCounts = { unary: new Map(), streamed: new Map() };
  for (const line of text.split('\n')) {
    const match = /^(grpc_server_handled_total|grpc_server_msg_received_total)\{([^}]*)\} ([0-9.e+]+)$/.exec(line);
    if (!match) continue;
    const l = labels(match[2] as string);
    const method = l.get('grpc_method') ?? '?';
    const value = Number(match[3]);
    const unary = l.get('grpc_type') === 'unary';
    if (match[1] === 'grpc_server_handled_total' && unary)
      counts.unary.set(method, (counts.unary.get(method) ?? 0) + value);
    if (match[1] === 'grpc_server_msg_received_total' && !unary)
      counts.streamed.set(method, (counts.streamed.get(method) ?? 0) + value);
  }
  return counts;
}

export async function readEtcdCounts(underlayNetns: string): Promise<EtcdCounts> {
  const script = `fetch(${JSON.stringify(METRICS_URL)}).then((r) => r.text()).then((t) => process.stdout.write(t))`;
  return parseEtcdMetrics(await runOk('ip', ['netns', 'exec', underlayNetns, process.execPath, '-e', script]));
}

/** after - before, method by method, dropping methods that did not move. */
export function countsBetween(before: EtcdCounts, after: EtcdCounts): EtcdCounts {
  const diff = (a: Map<string, number>, b: Map<string, number>): Map<string, number> =>
    new Map([...b].map(([k, v]): [string, number] => [k, v - (a.get(k) ?? 0)]).filter(([, v]) => v > 0));
  return { unary: diff(before.unary, after.unary), streamed: diff(before.streamed, after.streamed) };
}

export function total(counts: Map<string, number>): number {
  return [...counts.values()].reduce((a, b) => a + b, 0);
}

export function describe(counts: Map<string, number>): string {
  return [...counts]
    .sort(([, a], [, b]) => b - a)
    .map(([method, n]) => `${method} ${n}`)
    .join(', ');
}
