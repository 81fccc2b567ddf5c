// The families read at scrape time: flows, sessions, what the store holds, endpoints,
// networks and the port pool, and the per-endpoint counters. Each scrape asks the switch
// for its flow count and port statistics once (two small OpenFlow requests).
//
// Label cardinality is bounded: per-endpoint series carry only `network` and `container`
// (never ids, addresses or MACs), an endpoint's series go when it does, and past
// MAX_ENDPOINT_SERIES endpoints the rest are summed into container="_other" of their network.
import { statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Counter, Gauge, type CounterConfiguration, type Registry } from 'prom-client';
import { endpointStats, type EndpointCounters, type StatsSources } from '../endpoint-stats';

export const MAX_ENDPOINT_SERIES = 2000;
/** How long one read of the port statistics serves a scrape's families. */
const SCRAPE_READ_REUSE_MS = 500;

export interface ScrapeSources extends StatsSources {
  flowsInstalled: () => number;
  /** The switch's flow count (an aggregate request); undefined without a session. */
  flowsInTable: () => Promise<number | undefined>;
  ovsdbConnected: () => boolean;
  openflowConnected: () => boolean;
  allEndpoints: () => Promise<number>;
  poolReady: () => Promise<number>;
  storeKeys: () => number;
  storeDir: string;
}

function dirBytes(dir: string): number {
  try {
    return readdirSync(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
  } catch {
    return 0;
  }
}

export function registerScrapeMetrics(registry: Registry, sources: ScrapeSources): void {
  const registers = [registry];
  const gauge = (name: string, help: string, read: () => number | undefined | Promise<number | undefined>): void => {
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        const value = await read();
        if (value !== undefined) this.set(value);
      },
    });
  };
  gauge(
    'ovsnet_flows_installed',
    'Flows the last reconcile pass installed (the desired table)',
    sources.flowsInstalled,
  );
  gauge('ovsnet_flows_in_table', 'Flows the switch holds now', () => sources.flowsInTable().catch(() => undefined));
  gauge('ovsnet_ovsdb_connected', '1 while the OVSDB session is up', () => (sources.ovsdbConnected() ? 1 : 0));
  gauge('ovsnet_openflow_connected', '1 while the OpenFlow session is up', () => (sources.openflowConnected() ? 1 : 0));
  gauge('ovsnet_networks', 'Networks', async () => (await sources.networks()).length);
  gauge('ovsnet_endpoints', 'Endpoints (every host’s, with a cluster store)', sources.allEndpoints);
  gauge('ovsnet_port_pool_ready', 'Pooled veth pairs ready on the bridge', sources.poolReady);
  gauge('ovsnet_store_keys', 'Keys in this host’s state store', sources.storeKeys);
  gauge('ovsnet_store_bytes', 'Size of this host’s state store on disk (journal and snapshot)', () =>
    dirBytes(sources.storeDir),
  );
  registerEndpointCounters(registry, sources);
}

type Side = 'sent' | 'received';
type Measure = 'packets' | 'bytes' | 'dropped';

function registerEndpointCounters(registry: Registry, sources: StatsSources): void {
  // One read of the switch serves the three families of a scrape, bounded once.
  let last: { at: number; rows: Promise<EndpointCounters[]> } | undefined;
  const rows = (): Promise<EndpointCounters[]> => {
    if (!last || Date.now() - last.at > SCRAPE_READ_REUSE_MS)
      last = { at: Date.now(), rows: endpointStats(sources).then(bounded, () => []) };
    return last.rows;
  };
  const family = (measure: Measure, help: string): void => {
    new EndpointFamily(
      {
        name: `ovsnet_endpoint_${measure}_total`,
        help: `${help}, per endpoint; direction: sent (by the container) or received (by it)`,
        labelNames: ['network', 'container', 'direction'],
        registers: [registry],
      },
      async () =>
        (await rows()).flatMap((row) =>
          (['sent', 'received'] as Side[]).map((side) => ({
            labels: { network: row.network, container: row.container, direction: side },
            value: row[side][measure],
          })),
        ),
    );
  };
  family('packets', 'Packets');
  family('bytes', 'Bytes');
  family('dropped', 'Packets dropped by the switch port');
}

type EndpointLabel = 'network' | 'container' | 'direction';
type EndpointValue = { labels: Record<EndpointLabel, string>; value: number };

/**
 * A counter family whose values are the switch's own counters, read at scrape time. It
 * hands them to the registry as they are: resetting and incrementing a labelled Counter
 * hashes every label set again, which at thousands of endpoints cost most of a scrape.
 */
class EndpointFamily extends Counter<EndpointLabel> {
  constructor(
    configuration: CounterConfiguration<EndpointLabel>,
    private readonly values: () => Promise<EndpointValue[]>,
  ) {
    super(configuration);
  }

  override async get(): ReturnType<Counter<EndpointLabel>['get']> {
    const [family, values] = await Promise.all([super.get(), this.values()]);
    return { ...family, values };
  }
}

/** At most MAX_ENDPOINT_SERIES endpoints by name; the rest summed per network as "_other". */
function bounded(rows: EndpointCounters[]): EndpointCounters[] {
  if (rows.length <= MAX_ENDPOINT_SERIES) return rows;
  const kept = rows.slice(0, MAX_ENDPOINT_SERIES);
  const others = new Map<string, EndpointCounters>();
  for (const row of rows.slice(MAX_ENDPOINT_SERIES)) {
    const sum = others.get(row.network) ?? {
      ...row,
      container: '_other',
      sent: { packets: 0, bytes: 0, dropped: 0 },
      received: { packets: 0, bytes: 0, dropped: 0 },
    };
    for (const side of ['sent', 'received'] as Side[])
      for (const m of ['packets', 'bytes', 'dropped'] as Measure[]) sum[side][m] += row[side][m];
    others.set(row.network, sum);
  }
  return [...kept, ...others.values()];
}
