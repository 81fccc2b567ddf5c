// The Docker plugin served on a socket in front of the controller test double: how the
// plugin's integration tests and the Docker-facing e2e tests drive the real plugin server
// without a controller. The plugin is closed after the test.
import type { TestContext } from 'node:test';
import { startDockerPlugin, type DockerPlugin } from '../../drivers/docker/plugin';
import type { Logger } from '../../controller/api';
import { ControllerDouble } from './controller-double';
import { callPlugin, capturingLogger, tempPluginDir, type CallOptions, type PluginAnswer } from './plugin-client';

export interface PluginDouble {
  controller: ControllerDouble;
  plugin: DockerPlugin;
  /** A call as dockerd makes it (see callPlugin). */
  call: (method: string, body?: object | string, options?: CallOptions) => Promise<PluginAnswer>;
  /** What the plugin logged, one object per line. */
  lines: () => Array<Record<string, unknown>>;
}

/** The plugin on `pluginDir` in front of `controller`, for tests of starting and closing it. */
export function servePluginDouble(
  pluginDir: string,
  controller = new ControllerDouble(),
  logger: Logger = capturingLogger().logger,
): Promise<DockerPlugin> {
  return startDockerPlugin({ pluginDir, network: controller, ipam: controller, logger });
}

/** The plugin in front of a controller double (a fresh one unless given), in a temporary plugin directory unless given. */
export async function startPluginDouble(
  t: TestContext,
  options: { pluginDir?: string; controller?: ControllerDouble } = {},
): Promise<PluginDouble> {
  const controller = options.controller ?? new ControllerDouble();
  const { logger, lines } = capturingLogger();
  const plugin = await servePluginDouble(options.pluginDir ?? tempPluginDir(t), controller, logger);
  t.after(() => plugin.close());
  return {
    controller,
    plugin,
    call: (method, body, callOptions) => callPlugin(plugin.socketPath, method, body, callOptions),
    lines,
  };
}
