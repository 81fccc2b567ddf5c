// A minimal Docker Engine API client over its unix socket: just what attaching containers
// by hand needs (resolve a container name or id to its id and network namespace), and
// whether an engine answers at all. Never
// called from a Docker plugin handler (docs/design.md §9).
import { request } from 'node:http';
import { ControllerError } from '../errors';

export interface ContainerState {
  id: string;
  name: string;
  running: boolean;
  pid: number;
}

/** The Docker socket from DOCKER_HOST (unix:// only), else the standard path. */
export function dockerSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  const host = env['DOCKER_HOST'];
  if (host === undefined || host === '') return '/var/run/docker.sock';
  if (!host.startsWith('unix://'))
    throw new ControllerError(
      'INVALID_ARGUMENT',
      `DOCKER_HOST "${host}" is not a unix:// socket; only local engines are supported`,
    );
  return host.slice('unix://'.length);
}

function getJson(socketPath: string, path: string, timeoutMs: number): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'GET', timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: text === '' ? {} : JSON.parse(text) });
        } catch {
          resolve({ status: res.statusCode ?? 0, body: { message: text } });
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) =>
      reject(new ControllerError('UNAVAILABLE', `cannot reach the Docker engine at ${socketPath}: ${error.message}`)),
    );
    req.end();
  });
}

/** Whether a Docker engine answers `GET /_ping` on its API socket. */
export function pingEngine(socketPath: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

export async function inspectContainer(
  container: string,
  socketPath = dockerSocketPath(),
  timeoutMs = 10_000,
): Promise<ContainerState> {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(container))
    throw new ControllerError('INVALID_ARGUMENT', `"${container}" is not a valid container name or id`);
  const { status, body } = await getJson(socketPath, `/containers/${encodeURIComponent(container)}/json`, timeoutMs);
  if (status === 404) throw new ControllerError('NOT_FOUND', `no such container: ${container}`);
  if (status !== 200)
    throw new ControllerError(
      'UNAVAILABLE',
      `Docker answered ${status} for container ${container}: ${(body as { message?: string }).message ?? ''}`,
    );
  const info = body as { Id?: string; Name?: string; State?: { Running?: boolean; Pid?: number } };
  return {
    id: info.Id ?? '',
    name: (info.Name ?? '').replace(/^\//, ''),
    running: info.State?.Running === true,
    pid: info.State?.Pid ?? 0,
  };
}

/** A container as GET /containers/json lists it: enough to tell which endpoints are its. */
export interface ListedContainer {
  id: string;
  name: string;
  labels: Record<string, string>;
  /** The libnetwork endpoint ids of its network attachments. */
  endpointIds: string[];
}

/** Every container, running or not, with its labels and endpoints (one request). */
export async function listContainers(socketPath = dockerSocketPath(), timeoutMs = 10_000): Promise<ListedContainer[]> {
  const { status, body } = await getJson(socketPath, '/containers/json?all=1', timeoutMs);
  if (status !== 200 || !Array.isArray(body))
    throw new ControllerError('UNAVAILABLE', `Docker answered ${status} when listing containers`);
  return (body as unknown[]).map((raw) => {
    const c = raw as {
      Id?: string;
      Names?: string[];
      Labels?: Record<string, string> | null;
      NetworkSettings?: { Networks?: Record<string, { EndpointID?: string }> | null };
    };
    return {
      id: c.Id ?? '',
      name: (c.Names?.[0] ?? '').replace(/^\//, ''),
      labels: c.Labels ?? {},
      endpointIds: Object.values(c.NetworkSettings?.Networks ?? {})
        .map((n) => n.EndpointID ?? '')
        .filter((id) => id !== ''),
    };
  });
}

/** The id of the network Docker knows by `name` (or id); undefined when it knows none. */
export async function networkIdNamed(
  name: string,
  socketPath = dockerSocketPath(),
  timeoutMs = 5_000,
): Promise<string | undefined> {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) return undefined;
  const { status, body } = await getJson(socketPath, `/networks/${encodeURIComponent(name)}`, timeoutMs);
  if (status === 404) return undefined;
  if (status !== 200) throw new ControllerError('UNAVAILABLE', `Docker answered ${status} for network ${name}`);
  return (body as { Id?: string }).Id;
}
