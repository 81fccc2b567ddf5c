// Host ports for published container ports. Docker hands a remote driver what the user
// asked for: `-p 8080:80` a fixed port, `-p 80` and `-P` HostPort 0 ("any"), and
// `-p 8000-8010:80` a range ("any one of these"). Each becomes one concrete port that no
// other endpoint holds, chosen again identically when Docker repeats the call.
import { ControllerError } from '../errors';
import type { PortBinding } from './types';

/** Where "any port" is chosen from: the IANA dynamic range, Docker's own fallback. */
export const DYNAMIC_HOST_PORTS = { first: 49153, last: 65535 } as const;

export type Proto = PortBinding['proto'];

/** `holder(proto, port)`: the endpoint holding that host port, if any. */
export type PortHolder = (proto: Proto, port: number) => string | undefined;

function satisfies(request: PortBinding, have: PortBinding): boolean {
  if (have.proto !== request.proto || have.containerPort !== request.containerPort || have.hostIp !== request.hostIp)
    return false;
  if (request.hostPort === 0) return true;
  return have.hostPort >= request.hostPort && have.hostPort <= (request.hostPortEnd ?? request.hostPort);
}

/**
 * Concrete bindings (hostPortEnd gone, hostPort never 0) for `requested`, keeping any
 * port `endpointId` already holds that still fits, so a repeated call changes nothing.
 */
export function chooseHostPorts(
  endpointId: string,
  requested: PortBinding[],
  current: PortBinding[],
  holder: PortHolder,
  /** Ports host processes listen on: never chosen, though a fixed `-p` may name one. */
  busyOnHost: (proto: Proto, port: number) => boolean = () => false,
): PortBinding[] {
  const chosen: PortBinding[] = [];
  const isFree = (proto: Proto, port: number): boolean => {
    const owner = holder(proto, port);
    return (
      (owner === undefined || owner === endpointId) && !chosen.some((c) => c.proto === proto && c.hostPort === port)
    );
  };
  for (const request of requested) {
    const kept = current.find((have) => satisfies(request, have) && isFree(have.proto, have.hostPort));
    const { hostPortEnd: _range, ...single } = request;
    void _range;
    if (kept) {
      chosen.push({ ...single, hostPort: kept.hostPort });
      continue;
    }
    const [first, last] =
      request.hostPort === 0
        ? [DYNAMIC_HOST_PORTS.first, DYNAMIC_HOST_PORTS.last]
        : [request.hostPort, request.hostPortEnd ?? request.hostPort];
    let port: number | undefined;
    const fixed = first === last;
    for (let candidate = first; candidate <= last && port === undefined; candidate++) {
      if (isFree(request.proto, candidate) && (fixed || !busyOnHost(request.proto, candidate))) port = candidate;
    }
    if (port === undefined) {
      const wanted = fixed
        ? `host port ${first}/${request.proto} is`
        : `every host port ${first}-${last}/${request.proto} is`;
      const by = fixed ? holder(request.proto, first) : undefined;
      throw new ControllerError(
        'ALREADY_EXISTS',
        `${wanted} already ${fixed ? 'published' : 'published or in use on the host'}${by !== undefined && by !== endpointId ? ` by endpoint ${by.slice(0, 12)}` : ''}`,
      );
    }
    chosen.push({ ...single, hostPort: port });
  }
  return chosen;
}
