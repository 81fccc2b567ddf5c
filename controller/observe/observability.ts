// The daemon's observability, assembled: the recorder its parts report to, the families
// read at scrape time, and the listeners of --metrics and --http (one listener when both
// name the same address).
import { collectDefaultMetrics } from 'prom-client';
import type { Logger } from '../log';
import type { OverviewSources } from './page/overview';
import { overview } from './page/overview';
import { PAGE_HTML } from './page/html';
import { endpointStats } from './endpoint-stats';
import { registerScrapeMetrics, type ScrapeSources } from './metrics/gauges';
import { endpointFamilies } from './metrics/endpoint-families';
import type { Recorder } from './metrics/recorder';
import { listenText, type ListenAddress } from './http/listen';
import { startObserveServer, type ObserveServer } from './http/server';

export interface ObserveConfig {
  /** --metrics: serve /metrics here. */
  metrics?: ListenAddress;
  /** --http: serve the live page (and /metrics) here. */
  http?: ListenAddress;
}

export type ObserveSources = ScrapeSources & Omit<OverviewSources, 'counters' | 'repairs'>;

export async function startObservability(
  config: ObserveConfig,
  recorder: Recorder,
  sources: ObserveSources,
  logger: Logger,
): Promise<ObserveServer[]> {
  if (!config.metrics && !config.http) return [];
  collectDefaultMetrics({ register: recorder.registry });
  registerScrapeMetrics(recorder.registry, sources);
  const endpointText = endpointFamilies(sources);
  const metrics = async (): Promise<{ contentType: string; body: Array<string | Buffer> }> => {
    const [registered, endpoints] = await Promise.all([recorder.registry.metrics(), endpointText.forScrape()]);
    return { contentType: recorder.registry.contentType, body: [registered, endpoints] };
  };
  const page = {
    html: () => PAGE_HTML,
    overview: () =>
      overview({ ...sources, counters: () => endpointStats(sources), repairs: () => recorder.recentRepairs() }),
  };
  const servers: ObserveServer[] = [];
  try {
    const same = config.metrics && config.http && listenText(config.metrics) === listenText(config.http);
    if (config.http) servers.push(await startObserveServer(config.http, { metrics, page }, logger));
    if (config.metrics && !same) servers.push(await startObserveServer(config.metrics, { metrics }, logger));
  } catch (error) {
    endpointText.stop();
    for (const s of servers) await s.close();
    throw error;
  }
  // No read is started for a scrape that cannot come any more.
  return servers.map((server) => ({
    ...server,
    close: async () => {
      endpointText.stop();
      await server.close();
    },
  }));
}
