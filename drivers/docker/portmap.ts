// com.docker.network.portmap (sent with ProgramExternalConnectivity and Join): the
// container's `-p` bindings as libnetwork types.PortBinding values with IANA protocol
// numbers. `-P` produces HostPort 0, which is passed on as 0 ("pick a free port").
import type { PortBinding } from '../../controller/api';
import { addressOf } from './addresses';
import { badRequest } from './errors';
import { integerField, isObject, optionalString } from './fields';
import { DockerKeys } from './protocol';

const PROTOCOLS: Record<number, PortBinding['proto']> = { 6: 'tcp', 17: 'udp', 132: 'sctp' };

export function parsePortMap(options: Record<string, unknown>): PortBinding[] {
  const raw = options[DockerKeys.portMap];
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw badRequest(`${DockerKeys.portMap} must be an array of port bindings`);
  return raw.map((entry, index) => parseBinding(entry, `${DockerKeys.portMap}[${index}].`));
}

function parseBinding(entry: unknown, where: string): PortBinding {
  if (!isObject(entry)) throw badRequest(`${where.slice(0, -1)} must be an object`);
  const protoNumber = integerField(entry, 'Proto', 0, 255, where);
  const proto = PROTOCOLS[protoNumber];
  if (proto === undefined)
    throw badRequest(`${where}Proto ${protoNumber} is not supported: use 6 (tcp), 17 (udp) or 132 (sctp)`);
  const binding: PortBinding = {
    proto,
    containerPort: integerField(entry, 'Port', 1, 65535, where),
    hostPort: integerField(entry, 'HostPort', 0, 65535, where),
  };
  const hostIp = optionalString(entry, 'HostIP', where);
  if (hostIp !== undefined) {
    const parsed = addressOf(hostIp, `${where}HostIP`);
    // The unspecified address means "every host address", the same as no HostIP at all.
    if (parsed.address !== '0.0.0.0' && parsed.address !== '::') binding.hostIp = parsed.address;
  }
  if (entry['HostPortEnd'] !== undefined && entry['HostPortEnd'] !== null) {
    const end = integerField(entry, 'HostPortEnd', 0, 65535, where);
    if (end !== 0 && end !== binding.hostPort) {
      if (end < binding.hostPort) throw badRequest(`${where}HostPortEnd ${end} is below HostPort ${binding.hostPort}`);
      binding.hostPortEnd = end;
    }
  }
  return binding;
}
