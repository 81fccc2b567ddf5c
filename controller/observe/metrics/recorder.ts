// What the daemon records as it works, for /metrics and the live page: calls of the Docker
// plugin and of the control socket, reconcile passes, drift repaired, store fsyncs and
// session reconnects. Recording is a counter increment or a histogram bucket, cheap enough
// to do always; the numbers are only read when someone scrapes or looks.
import { Counter, Histogram, Registry } from 'prom-client';

export type CallSurface = 'plugin' | 'control';
/** Told of every finished call: which front end, which method, how long, whether it failed. */
export type CallObserver = (surface: CallSurface, method: string, seconds: number, failed: boolean) => void;

/** One repair of something changed behind ovsnet's back, for the page's "last drift repairs". */
export interface DriftRepair {
  at: string;
  kind: DriftKind;
  count: number;
}
/** What a repair did: flows put back, removed or restored; ports added back or recreated; bridge settings restored. */
export type DriftKind = 'flow_added' | 'flow_removed' | 'flow_modified' | 'port_added' | 'port_modified' | 'bridge';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const RECENT_REPAIRS = 20;

export class Recorder {
  readonly registry = new Registry();
  private readonly calls: Record<CallSurface, { total: Counter; errors: Counter; seconds: Histogram }>;
  private readonly passes: Counter;
  private readonly passFailures: Counter;
  private readonly passSeconds: Histogram;
  private readonly drift: Counter;
  private readonly fsyncSeconds: Histogram;
  private readonly reconnects: Counter;
  private readonly repairs: DriftRepair[] = [];

  constructor() {
    const registers = [this.registry];
    const surface = (name: CallSurface, what: string): { total: Counter; errors: Counter; seconds: Histogram } => ({
      total: new Counter({
        name: `ovsnet_${name}_calls_total`,
        help: `${what} calls, by method`,
        labelNames: ['method'],
        registers,
      }),
      errors: new Counter({
        name: `ovsnet_${name}_call_errors_total`,
        help: `${what} calls that answered an error, by method`,
        labelNames: ['method'],
        registers,
      }),
      seconds: new Histogram({
        name: `ovsnet_${name}_call_duration_seconds`,
        help: `How long ${what} calls took, by method`,
        labelNames: ['method'],
        buckets: LATENCY_BUCKETS,
        registers,
      }),
    });
    this.calls = { plugin: surface('plugin', 'Docker plugin'), control: surface('control', 'Control socket') };
    this.passes = new Counter({ name: 'ovsnet_reconcile_passes_total', help: 'Reconcile passes run', registers });
    this.passFailures = new Counter({
      name: 'ovsnet_reconcile_pass_failures_total',
      help: 'Reconcile passes that failed (retried with backoff)',
      registers,
    });
    this.passSeconds = new Histogram({
      name: 'ovsnet_reconcile_pass_duration_seconds',
      help: 'How long reconcile passes took',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.drift = new Counter({
      name: 'ovsnet_drift_repaired_total',
      help: 'Changes made outside ovsnet and put back, by kind',
      labelNames: ['kind'],
      registers,
    });
    this.fsyncSeconds = new Histogram({
      name: 'ovsnet_store_fsync_duration_seconds',
      help: 'How long fsyncs of the state store journal took',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.reconnects = new Counter({
      name: 'ovsnet_session_reconnects_total',
      help: 'Sessions to OVS established again after the first, by protocol',
      labelNames: ['protocol'],
      registers,
    });
  }

  readonly call: CallObserver = (surface, method, seconds, failed) => {
    const family = this.calls[surface];
    family.total.inc({ method });
    if (failed) family.errors.inc({ method });
    family.seconds.observe({ method }, seconds);
  };

  pass(seconds: number, failed: boolean): void {
    this.passes.inc();
    if (failed) this.passFailures.inc();
    this.passSeconds.observe(seconds);
  }

  driftRepaired(kind: DriftKind, count: number, at = new Date()): void {
    if (count <= 0) return;
    this.drift.inc({ kind }, count);
    this.repairs.push({ at: at.toISOString(), kind, count });
    if (this.repairs.length > RECENT_REPAIRS) this.repairs.shift();
  }

  /** The last drift repairs, newest first. */
  recentRepairs(): DriftRepair[] {
    return [...this.repairs].reverse();
  }

  fsync(seconds: number): void {
    this.fsyncSeconds.observe(seconds);
  }

  reconnected(protocol: 'ovsdb' | 'openflow'): void {
    this.reconnects.inc({ protocol });
  }
}
