// How the daemon's parts feed observability: what a scrape and the page read from the
// registry, the flow sync, the switch and the store, and the reconnects counted from the
// OVSDB client's and the switch client's events. Kept here so daemon.ts only hands its
// parts over.
// Port statistics and the page's flow dumps go over an OpenFlow connection of their own:
// on the flow sync's connection they would wait behind its read-backs of the whole table
// (the switch answers one connection's requests in order), which was a scrape's worst case.
import { join } from 'node:path';
import type { OvsdbClient } from '../../ovsdb/client';
import type { Registry } from '../cnm/registry';
import type { Logger } from '../log';
import { SwitchClient } from '../openflow/switch-client';
import type { OpenFlowSync } from '../reconcile/flow-sync';
import type { FileKvStore } from '../store/file-store';
import type { ObserveServer } from './http/server';
import { listenText } from './http/listen';
import type { Recorder } from './metrics/recorder';
import { startObservability, type ObserveConfig, type ObserveSources } from './observability';

export interface DaemonParts {
  registry: Registry;
  flows: OpenFlowSync;
  switchClient: SwitchClient;
  /** A second connection to the same switch, for reads only. */
  observer: SwitchClient;
  ovsdb: OvsdbClient;
  local: FileKvStore;
  stateDir: string;
  /** `ovsnet status` facts: where the listeners serve. */
  info: Map<string, string>;
}

/** What a scrape, the page and `ovsnet endpoint stats` read. */
export function observeSources(parts: DaemonParts): ObserveSources {
  const { registry, flows, switchClient, observer, ovsdb, local } = parts;
  const session = async (): Promise<NonNullable<SwitchClient['session']>> => observer.ready(5000);
  return {
    networks: () => registry.networks.list(),
    endpoints: () => registry.endpoints.listOnHost(),
    allEndpoints: async () => (await registry.endpoints.list()).length,
    pipeline: () => flows.installedState(),
    portStats: async () => (await session()).portStats(),
    dumpFlows: async () => (await session()).dumpFlows(),
    reasons: () => flows.reasons(),
    flowsInstalled: () => flows.lastInstalled,
    flowsInTable: () => (switchClient.session ? flows.tableFlows : undefined),
    ovsdbConnected: () => ovsdb.state === 'connected',
    openflowConnected: () => switchClient.session !== undefined,
    poolReady: async () => (await registry.poolSlots.list()).filter((s) => s.made).length,
    storeKeys: () => local.size,
    storeDir: join(parts.stateDir, 'store'),
  };
}

/**
 * Counts reconnects and starts the listeners asked for (with the reading connection they
 * need); `close` ends them at stop.
 */
export async function observeDaemon(
  config: ObserveConfig,
  recorder: Recorder,
  parts: Omit<DaemonParts, 'observer'> & { switchTarget: string },
  logger: Logger,
): Promise<{ servers: ObserveServer[]; close: () => Promise<void> }> {
  let ovsdbSessions = parts.ovsdb.state === 'connected' ? 1 : 0;
  parts.ovsdb.on('state', (state) => {
    if (state === 'connected' && ++ovsdbSessions > 1) recorder.reconnected('ovsdb');
  });
  let openflowSessions = parts.switchClient.session ? 1 : 0;
  parts.switchClient.on('ready', () => {
    if (++openflowSessions > 1) recorder.reconnected('openflow');
  });
  if (!config.metrics && !config.http) return { servers: [], close: () => Promise.resolve() };
  const observer = new SwitchClient(parts.switchTarget, { logger: logger.child({ component: 'observer' }) });
  observer.start();
  let servers: ObserveServer[];
  try {
    servers = await startObservability(config, recorder, observeSources({ ...parts, observer }), logger);
  } catch (error) {
    observer.close();
    throw error;
  }
  for (const server of servers) {
    const base = `http://${listenText(server.address)}`;
    if (server.page) parts.info.set('page', `${base}/`);
    if (!parts.info.has('metrics') || !server.page) parts.info.set('metrics', `${base}/metrics`);
  }
  return {
    servers,
    close: async () => {
      for (const server of servers) await server.close();
      observer.close();
    },
  };
}
