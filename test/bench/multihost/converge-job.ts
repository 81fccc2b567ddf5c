// The job both contenders do: endpoints joined on every host at once (a bounded number in
// flight per host), each timed from the start of its join until it answers the probe of
// every other host. A join that returns before the overlay knows the endpoint is not
// counted as done: only an answer counts. Probing starts when the join call returns: that
// can only lengthen what is measured, never shorten it, while pinging a join still under
// way was load the job made for itself (each echo request and ARP retry wakes every
// userspace switch on its path, which then reads all of its ports: at 100 ports per host
// that took ovs-vswitchd from 4 to over 40 CPU-seconds per host for the same 300 joins).
import type { IcmpProber } from './prober';

export interface BenchEndpoint {
  /** Index of the host it joins on. */
  host: number;
  name: string;
  address: string;
  mac: string;
  netns: string;
}

export interface JobOptions {
  /** Endpoints of each host, in join order. */
  endpoints: BenchEndpoint[][];
  /** The probe of each host, same order as endpoints. */
  probers: IcmpProber[];
  concurrency: number;
  /** An endpoint that has not answered every probe by then counts as unreached. */
  timeoutMs: number;
  join: (endpoint: BenchEndpoint) => Promise<void>;
}

export interface JobResult {
  /** Per endpoint: start of join to the last of its probes answering (ms). */
  convergeMs: number[];
  /** Per endpoint: start of join until the join call returned (ms). */
  joinMs: number[];
  /** Per endpoint reached: from its join call returning to the last of its probes answering (ms). */
  afterJoinMs: number[];
  unreached: string[];
  failedJoins: string[];
  wallMs: number;
}

const nsToMs = (ns: bigint): number => Number(ns) / 1e6;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function runConvergeJob(options: JobOptions): Promise<JobResult> {
  const result: JobResult = { convergeMs: [], joinMs: [], afterJoinMs: [], unreached: [], failedJoins: [], wallMs: 0 };
  const one = async (endpoint: BenchEndpoint): Promise<void> => {
    const started = process.hrtime.bigint();
    const probers = options.probers.filter((_, host) => host !== endpoint.host);
    let joined: bigint;
    try {
      await options.join(endpoint);
      joined = process.hrtime.bigint();
      result.joinMs.push(nsToMs(joined - started));
    } catch (error) {
      // A join that failed will not become reachable: its slot goes to the next endpoint.
      result.failedJoins.push(`${endpoint.name}: ${error instanceof Error ? error.message : String(error)}`);
      result.unreached.push(endpoint.name);
      return;
    }
    const left = Math.max(0, options.timeoutMs - nsToMs(process.hrtime.bigint() - started));
    const answered = await Promise.all(probers.map((prober) => withTimeout(prober.answered(endpoint.address), left)));
    if (answered.some((at) => at === undefined)) {
      for (const prober of probers) prober.cancel(endpoint.address);
      result.unreached.push(endpoint.name);
      return;
    }
    const last = answered.reduce((a, b) => ((a as bigint) > (b as bigint) ? a : b)) as bigint;
    result.convergeMs.push(nsToMs(last - started));
    result.afterJoinMs.push(nsToMs(last - joined));
  };
  const host = async (queue: BenchEndpoint[]): Promise<void> => {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < queue.length) await one(queue[next++] as BenchEndpoint);
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  };
  const started = process.hrtime.bigint();
  await Promise.all(options.endpoints.map(host));
  result.wallMs = nsToMs(process.hrtime.bigint() - started);
  return result;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}
