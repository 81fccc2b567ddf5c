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

export async function startDockerPlugin(options: DockerPluginOptions): Promise<DockerPlugin> {
  const logger = options.logger.child({ component: 'docker-plugin' });
  const socketPath = join(options.pluginDir, `${PLUGIN_NAME}.sock`);
  const server = await PluginServer.start({
    socketPath,
    routes: pluginRoutes(options.network, options.ipam, logger),
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
