// The Docker plugin front end: one socket serving libnetwork's NetworkDriver and IpamDriver
// interfaces on top of the controller's northbound API.
import { join } from 'node:path';
import type { IpamApi, Logger, NetworkApi } from '../../controller/api';
import { ipamDriverRoutes } from './ipam-driver';
import { networkDriverRoutes } from './network-driver';
import type { ActivateResponse } from './protocol';
import type { Route, RouteTable } from './routes';
import { PluginServer } from './server';

/** The driver name users give to `docker network create -d` and `--ipam-driver`. */
export const PLUGIN_NAME = 'ovsnet';
export const DEFAULT_PLUGIN_DIR = '/run/docker/plugins';

export interface DockerPluginOptions {
  /** Where dockerd looks for plugin sockets; the socket is <pluginDir>/ovsnet.sock. */
  pluginDir: string;
  network: NetworkApi;
  ipam: IpamApi;
  logger: Logger;
  /** Told of every call: its method, how long it took, whether it answered an error (for /metrics). */
  onCall?: (method: string, seconds: number, failed: boolean) => void;
}

export interface DockerPlugin {
  readonly socketPath: string;
  /** Stops accepting calls, lets running ones finish, removes the socket file. */
  close(): Promise<void>;
}

const ACTIVATE: ActivateResponse = { Implements: ['NetworkDriver', 'IpamDriver'] };

export function pluginRoutes(network: NetworkApi, ipam: IpamApi, logger: Logger): RouteTable {
  const activate: Route = { errorField: 'Err', handle: () => ACTIVATE };
  const table = new Map<string, Route>([
    ['Plugin.Activate', activate],
    ...networkDriverRoutes(network, logger),
    ...ipamDriverRoutes(ipam, logger),
  ]);
  return table;
}

/** The same routes, each reporting its calls to `onCall`. */
function observed(routes: RouteTable, onCall: DockerPluginOptions['onCall']): RouteTable {
  if (!onCall) return routes;
  const wrapped = new Map<string, Route>();
  for (const [method, route] of routes) {
    wrapped.set(method, {
      errorField: route.errorField,
      handle: async (body) => {
        const started = process.hrtime.bigint();
        const seconds = (): number => Number(process.hrtime.bigint() - started) / 1e9;
        try {
          const answer = await route.handle(body);
          onCall(method, seconds(), false);
          return answer;
        } catch (error) {
          onCall(method, seconds(), true);
          throw error;
        }
      },
    });
  }
  return wrapped;
}

export async function startDockerPlugin(options: DockerPluginOptions): Promise<DockerPlugin> {
  const logger = options.logger.child({ component: 'docker-plugin' });
  const socketPath = join(options.pluginDir, `${PLUGIN_NAME}.sock`);
  const server = await PluginServer.start({
    socketPath,
    routes: observed(pluginRoutes(options.network, options.ipam, logger), options.onCall),
    logger,
  });
  logger.info({ socket: socketPath }, 'Docker plugin serving NetworkDriver and IpamDriver');
  return {
    socketPath,
    close: async () => {
      await server.close();
      logger.info({ socket: socketPath }, 'Docker plugin stopped');
    },
  };
}
