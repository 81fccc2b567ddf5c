// The gauges read at scrape time: flows, sessions, what the store holds, endpoints,
// networks and the port pool (the per-endpoint counters are endpoint-families.ts).
import { statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Gauge, type Registry } from 'prom-client';
import type { StatsSources } from '../endpoint-stats';

export interface ScrapeSources extends StatsSources {
  flowsInstalled: () => number;
  /** The switch's flow count as last seen (flow-sync.ts); undefined without a session. */
  flowsInTable: () => number | undefined;
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
  gauge(
    'ovsnet_flows_in_table',
    'Flows the switch held when last counted (after each bundle and by the background check)',
    sources.flowsInTable,
  );
  gauge('ovsnet_ovsdb_connected', '1 while the OVSDB session is up', () => (sources.ovsdbConnected() ? 1 : 0));
  gauge('ovsnet_openflow_connected', '1 while the OpenFlow session is up', () => (sources.openflowConnected() ? 1 : 0));
  gauge('ovsnet_networks', 'Networks', async () => (await sources.networks()).length);
  gauge('ovsnet_endpoints', 'Endpoints (of every host, with a cluster store)', sources.allEndpoints);
  gauge('ovsnet_port_pool_ready', 'Pooled veth pairs ready on the bridge', sources.poolReady);
  gauge('ovsnet_store_keys', 'Keys in the state store of this host', sources.storeKeys);
  gauge('ovsnet_store_bytes', 'Size of the state store of this host on disk (journal and snapshot)', () =>
    dirBytes(sources.storeDir),
  );
}
