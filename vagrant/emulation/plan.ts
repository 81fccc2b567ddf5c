// Everything a lab will create, named and placed before anything is created: written to the
// state file first, so `down` can remove all of it even when `up` died half-way.
import { join } from 'node:path';

export type Tunnel = 'vxlan' | 'gre';
export const TUNNELS: readonly Tunnel[] = ['vxlan', 'gre'];

export interface LabOptions {
  hosts: number;
  docker: boolean;
  tunnel: Tunnel;
  /** The lab's own directory: state file, per-host directories, logs. */
  dir: string;
}

export const DEFAULT_LAB_DIR = '/tmp/ovsnet-lab';
export const MAX_HOSTS = 250;

/** Host hN has 172.31.0.N on its br-phy; the underlay namespace (etcd) has .254. */
const UNDERLAY_NET = '172.31.0';
export const UNDERLAY_PREFIX_LENGTH = 24;
export const UNDERLAY_GATEWAY_IP = `${UNDERLAY_NET}.254`;
export const ETCD_PORT = 2379;
/** The host's end of its underlay link, a port of its br-phy. */
export const HOST_UNDERLAY_IFACE = 'ul0';
export const PHYSICAL_BRIDGE = 'br-phy';
export const INTEGRATION_BRIDGE = 'br-int';

export interface HostPlan {
  name: string;
  netns: string;
  underlayIp: string;
  /** This host's end of the underlay link, inside the underlay namespace (on its Linux bridge). */
  underlayPeer: string;
  dir: string;
  ovsDir: string;
  stateDir: string;
  /** Where the host's ovsnet serves ovsnet.sock; its dockerd sees it as /run/docker/plugins. */
  pluginDir: string;
  daemonLog: string;
  docker?: {
    dir: string;
    socket: string;
    log: string;
    /** A cgroup of its own for the containers, so `down` can find them after any crash. */
    cgroupParent: string;
  };
}

export interface LabPlan {
  prefix: string;
  dir: string;
  tunnel: Tunnel;
  docker: boolean;
  underlay: { netns: string; bridge: string; ip: string };
  etcd: { url: string; dir: string; log: string };
  /** Put first on PATH by `lab exec`: the ovsnet wrapper (and the engine's own docker client). */
  binDir: string;
  busyboxDir: string;
  hosts: HostPlan[];
}

export function planLab(options: LabOptions, prefix: string): LabPlan {
  if (!Number.isInteger(options.hosts) || options.hosts < 1 || options.hosts > MAX_HOSTS)
    throw new Error(`--hosts must be a whole number from 1 to ${MAX_HOSTS}, not ${options.hosts}`);
  if (!/^[a-z0-9][a-z0-9-]{0,30}$/.test(prefix)) throw new Error(`bad lab prefix "${prefix}"`);
  const dir = options.dir;
  const hosts: HostPlan[] = [];
  for (let i = 1; i <= options.hosts; i++) {
    const name = `h${i}`;
    const hostDir = join(dir, name);
    hosts.push({
      name,
      netns: `${prefix}-${name}`,
      underlayIp: `${UNDERLAY_NET}.${i}`,
      underlayPeer: name,
      dir: hostDir,
      ovsDir: join(hostDir, 'ovs'),
      stateDir: join(hostDir, 'state'),
      pluginDir: join(hostDir, 'plugins'),
      daemonLog: join(hostDir, 'ovsnet.log'),
      ...(options.docker
        ? {
            docker: {
              dir: join(hostDir, 'docker'),
              socket: join(hostDir, 'docker', 'docker.sock'),
              log: join(hostDir, 'docker', 'dockerd.log'),
              cgroupParent: `${prefix}-${name}`,
            },
          }
        : {}),
    });
  }
  return {
    prefix,
    dir,
    tunnel: options.tunnel,
    docker: options.docker,
    underlay: { netns: `${prefix}-ul`, bridge: 'br-ul', ip: UNDERLAY_GATEWAY_IP },
    etcd: {
      url: `http://${UNDERLAY_GATEWAY_IP}:${ETCD_PORT}`,
      dir: join(dir, 'etcd'),
      log: join(dir, 'etcd', 'etcd.log'),
    },
    binDir: join(dir, 'bin'),
    busyboxDir: join(dir, 'busybox'),
    hosts,
  };
}

/** Every namespace of the lab, hosts first (their processes reach into the underlay). */
export function labNamespaces(plan: LabPlan): string[] {
  return [...plan.hosts.map((h) => h.netns), plan.underlay.netns];
}

export function findHost(plan: LabPlan, name: string): HostPlan {
  const host = plan.hosts.find((h) => h.name === name);
  if (!host) throw new Error(`no host "${name}" in this lab (hosts: ${plan.hosts.map((h) => h.name).join(', ')})`);
  return host;
}
