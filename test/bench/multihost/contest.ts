// One contender's run in the lab: a probe namespace per host joined first (and every probe
// pinging every other before the clock starts, so tunnels and underlay ARP are warm), then
// the endpoints of all hosts joined at once, and the results summarised.
import { runOk } from '../../../controller/host/exec';
import { runConvergeJob, percentile, type BenchEndpoint, type JobResult } from './converge-job';
import { endpointsOf, probeOf } from './layout';
import { NamespaceSet } from './namespaces';
import { IcmpProber } from './prober';

export interface Contender {
  name: string;
  joinProbe(probe: BenchEndpoint): Promise<void>;
  join(endpoint: BenchEndpoint): Promise<unknown>;
}

export interface ContestOptions {
  hostNames: string[];
  perHost: number;
  concurrency: number;
  probeIntervalMs: number;
  timeoutMs: number;
  log: (line: string) => void;
  /** Runs right before the first endpoint joins (e.g. read etcd's counters). */
  beforeJob?: () => Promise<void>;
}

/**
 * The probe answers its kernel's ARP retries every 10 ms instead of every second: the time
 * measured is the network's, not the probe's ARP back-off after an early, unanswered try.
 */
async function tuneProbe(netns: string): Promise<void> {
  await runOk('ip', ['netns', 'exec', netns, 'sysctl', '-q', '-w', 'net.ipv4.neigh.eth1.retrans_time_ms=10']);
}

async function warmUp(probers: IcmpProber[], probes: BenchEndpoint[], timeoutMs: number): Promise<void> {
  const pairs = probers.flatMap((prober, from) =>
    probes.filter((p) => p.host !== from).map((p) => ({ prober, address: p.address })),
  );
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const stuck = probers.flatMap((p) => p.pending.map((a) => `${p.netns} -> ${a}`));
      reject(new Error(`probes cannot reach each other after ${timeoutMs} ms: ${stuck.join(', ')}`));
    }, timeoutMs);
  });
  try {
    await Promise.race([Promise.all(pairs.map(({ prober, address }) => prober.answered(address))), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

export interface ContestResult extends JobResult {
  name: string;
  endpoints: number;
}

export async function contest(contender: Contender, options: ContestOptions): Promise<ContestResult> {
  const hosts = options.hostNames.length;
  const probeNs = await NamespaceSet.create('mhp', hosts);
  const endpointNs = await NamespaceSet.create('mhe', hosts * options.perHost);
  const probers: IcmpProber[] = [];
  try {
    const probes = options.hostNames.map((name, k) => probeOf(k, name, probeNs.names[k] as string));
    await Promise.all(probes.map((p) => contender.joinProbe(p)));
    await Promise.all(probes.map((p) => tuneProbe(p.netns)));
    for (const p of probes) probers.push(await IcmpProber.start(p.netns, options.probeIntervalMs));
    const warm = process.hrtime.bigint();
    await warmUp(probers, probes, 60_000);
    options.log(
      `${contender.name}: the ${hosts} probes reach each other (${(Number(process.hrtime.bigint() - warm) / 1e6).toFixed(0)} ms); ` +
        `joining ${hosts} x ${options.perHost} endpoints, ${options.concurrency} in flight per host`,
    );
    await options.beforeJob?.();
    const job = await runConvergeJob({
      endpoints: endpointsOf(options.hostNames, options.perHost, endpointNs.names),
      probers,
      concurrency: options.concurrency,
      timeoutMs: options.timeoutMs,
      join: async (endpoint) => {
        await contender.join(endpoint);
      },
    });
    return { ...job, name: contender.name, endpoints: hosts * options.perHost };
  } finally {
    for (const prober of probers) prober.stop();
    await endpointNs.destroy();
    await probeNs.destroy();
  }
}

const ms = (value: number): string => (Number.isNaN(value) ? 'n/a' : value.toFixed(0));

export function describeResult(result: ContestResult): string[] {
  const c = result.convergeMs;
  const lines = [
    `${result.name}: ${result.endpoints} endpoints joined in ${(result.wallMs / 1000).toFixed(1)} s ` +
      `(${(result.endpoints / (result.wallMs / 1000)).toFixed(1)}/s); join call returned p50 ${ms(percentile(result.joinMs, 50))} ms, ` +
      `p99 ${ms(percentile(result.joinMs, 99))} ms`,
    `${result.name}: pingable from both other hosts p50 ${ms(percentile(c, 50))} ms, p90 ${ms(percentile(c, 90))} ms, ` +
      `p99 ${ms(percentile(c, 99))} ms, max ${ms(Math.max(...c))} ms (${c.length} of ${result.endpoints} endpoints)`,
    `${result.name}: of that, after the join call returned: p50 ${ms(percentile(result.afterJoinMs, 50))} ms, ` +
      `p90 ${ms(percentile(result.afterJoinMs, 90))} ms, p99 ${ms(percentile(result.afterJoinMs, 99))} ms`,
  ];
  if (result.failedJoins.length > 0)
    lines.push(
      `${result.name}: ${result.failedJoins.length} joins FAILED, e.g. ${result.failedJoins.slice(0, 3).join('; ')}`,
    );
  if (result.unreached.length > 0)
    lines.push(
      `${result.name}: ${result.unreached.length} endpoints NOT reached (failed joins included), e.g. ${result.unreached.slice(0, 5).join(', ')}`,
    );
  return lines;
}

/** p99 over every endpoint, an unreached one counting as never (Infinity). */
export function p99WithUnreached(result: ContestResult): number {
  return percentile([...result.convergeMs, ...result.unreached.map(() => Infinity)], 99);
}
