// Before `up` creates anything: root, and every program the lab runs, with the Debian
// package that provides each one named when it is missing.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const ALWAYS: Array<[string, string]> = [
  ['ip', 'iproute2'],
  ['ethtool', 'ethtool'],
  ['unshare', 'util-linux'],
  ['ovsdb-tool', 'openvswitch-switch'],
  ['ovsdb-server', 'openvswitch-switch'],
  ['ovs-vswitchd', 'openvswitch-switch'],
  ['ovs-vsctl', 'openvswitch-switch'],
  ['etcd', 'etcd-server'],
  ['etcdctl', 'etcd-client'],
];
const WITH_DOCKER: Array<[string, string]> = [
  ['dockerd', 'docker.io'],
  ['nsenter', 'util-linux'],
  ['tar', 'tar'],
  ['/bin/busybox', 'busybox-static'],
];

function found(program: string): boolean {
  const candidates = program.startsWith('/')
    ? [program]
    : [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/sbin'].map((dir) => join(dir, program));
  return candidates.some((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Throws one error naming everything that is missing. */
export function preflight(docker: boolean): void {
  const problems: string[] = [];
  if (typeof process.getuid === 'function' && process.getuid() !== 0)
    problems.push('the lab needs root (network namespaces, Open vSwitch, dockerd)');
  const missing = [...ALWAYS, ...(docker ? WITH_DOCKER : [])].filter(([program]) => !found(program));
  if (missing.length > 0)
    problems.push(
      `missing ${missing.map(([p]) => p).join(', ')} ` +
        `(apt-get install ${[...new Set(missing.map(([, pkg]) => pkg))].join(' ')})`,
    );
  if (problems.length > 0) throw new Error(problems.join('; '));
}
