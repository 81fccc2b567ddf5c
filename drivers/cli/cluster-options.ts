// The cluster options of `ovsnet daemon` and `ovsnet up`: with --etcd the host joins the
// cluster whose store that etcd is; without it, none of the others may be given.
import { isIP } from 'node:net';
import type { ClusterConfig } from '../../controller/api';
import { UsageError } from './args';

export const CLUSTER_HELP = `
Cluster options for 'up' and 'daemon' (hosts sharing one etcd share their networks):
  --etcd URL[,URL...]     etcd client URLs (http:// or https://); networks, endpoints,
                          addresses, allow rules and hosts are kept there, host-local
                          state (port numbers, veths, the port pool) stays here
  --etcd-prefix PREFIX    root of ovsnet's keys in etcd (default /ovsnet)
  --etcd-ca FILE          CA that signed the etcd certificates (https)
  --etcd-cert FILE        client certificate for etcd, with --etcd-key FILE
  --etcd-user USER        etcd user; the password from --etcd-password PASSWORD or,
                          better, the environment variable OVSNET_ETCD_PASSWORD
  --etcd-timeout SECONDS  how long a request waits for etcd before it fails as
                          "cluster store unreachable" (default 7; a docker run that needs
                          etcd gets that answer within this and a few seconds)
  --host-id ID            this host's name in the cluster (default: the hostname)
  --host-ttl SECONDS      how long this host counts as alive after its daemon stops
                          renewing (default 15)
  --tunnel-ip ADDRESS     the address other hosts reach this one at (default: the
                          source address of the route to the first etcd URL)
  --underlay-iface IFACE  the interface tunnels leave by: ovsnet makes it the port of an
                          OVS bridge br-phy and moves its addresses and routes there (the
                          userspace datapath sends tunnel packets only from an address on
                          an OVS bridge); skip it when the address is on a bridge already
  --no-docker-sync        leave this host's Docker engine alone; otherwise ovsnet keeps
                          the engine of --docker-host in step with the cluster: a network
                          made with 'docker network create' on any host is created on it
                          too, and removed with it
`;

const DEPENDENT = [
  'etcd-prefix',
  'etcd-ca',
  'etcd-cert',
  'etcd-key',
  'etcd-user',
  'etcd-password',
  'etcd-timeout',
  'host-id',
  'host-ttl',
  'tunnel-ip',
  'underlay-iface',
];

export function clusterConfig(
  options: ReadonlyMap<string, string>,
  env: NodeJS.ProcessEnv = process.env,
  flags: ReadonlySet<string> = new Set(),
): ClusterConfig | undefined {
  const etcd = options.get('etcd');
  if (etcd === undefined) {
    const stray = DEPENDENT.find((o) => options.has(o)) ?? (flags.has('no-docker-sync') ? 'no-docker-sync' : undefined);
    if (stray !== undefined) throw new UsageError(`--${stray} needs --etcd`);
    return undefined;
  }
  const endpoints = etcd
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  if (endpoints.length === 0) throw new UsageError('--etcd needs at least one URL');
  for (const endpoint of endpoints)
    if (!/^https?:\/\/[^/\s]+\/?$/.test(endpoint))
      throw new UsageError(`--etcd takes http://HOST:PORT or https://HOST:PORT URLs, not "${endpoint}"`);
  const prefix = options.get('etcd-prefix');
  if (prefix !== undefined && !/^\/[A-Za-z0-9_./-]*$/.test(prefix))
    throw new UsageError(`--etcd-prefix must start with / and hold letters, digits, '.', '_', '-', '/': "${prefix}"`);
  const ca = options.get('etcd-ca');
  const cert = options.get('etcd-cert');
  const key = options.get('etcd-key');
  if ((cert === undefined) !== (key === undefined)) throw new UsageError('--etcd-cert and --etcd-key go together');
  const user = options.get('etcd-user');
  const password = options.get('etcd-password') ?? env['OVSNET_ETCD_PASSWORD'];
  if (user !== undefined && password === undefined)
    throw new UsageError(`--etcd-user ${user} needs a password: OVSNET_ETCD_PASSWORD or --etcd-password`);
  const timeout = options.get('etcd-timeout');
  if (timeout !== undefined && (!/^\d{1,2}(\.\d{1,3})?$/.test(timeout) || Number(timeout) < 1 || Number(timeout) > 60))
    throw new UsageError(`--etcd-timeout must be a number of seconds from 1 to 60, not "${timeout}"`);
  const tunnelIp = options.get('tunnel-ip');
  if (tunnelIp !== undefined && isIP(tunnelIp) === 0)
    throw new UsageError(`--tunnel-ip must be an IPv4 or IPv6 address, not "${tunnelIp}"`);
  const ttl = options.get('host-ttl');
  if (ttl !== undefined && (!/^\d{1,4}$/.test(ttl) || Number(ttl) < 2 || Number(ttl) > 3600))
    throw new UsageError(`--host-ttl must be a whole number of seconds from 2 to 3600, not "${ttl}"`);
  const hostId = options.get('host-id');
  const underlayIface = options.get('underlay-iface');
  if (underlayIface !== undefined && !/^[A-Za-z0-9_.:@-]{1,15}$/.test(underlayIface))
    throw new UsageError(
      `--underlay-iface must name a network interface (at most 15 characters), not "${underlayIface}"`,
    );
  // --docker-host itself (unix:///PATH or none) is checked with the daemon's options.
  const given = options.get('docker-host');
  const dockerHost = given === 'none' ? undefined : given;
  if (given !== undefined && flags.has('no-docker-sync'))
    throw new UsageError('--docker-host and --no-docker-sync contradict each other; give only one');
  return {
    etcd: {
      endpoints,
      ...(prefix !== undefined ? { prefix } : {}),
      ...(ca !== undefined || cert !== undefined
        ? {
            tls: {
              ...(ca !== undefined ? { caFile: ca } : {}),
              ...(cert !== undefined ? { certFile: cert } : {}),
              ...(key !== undefined ? { keyFile: key } : {}),
            },
          }
        : {}),
      ...(user !== undefined ? { user, password } : {}),
      ...(timeout !== undefined ? { timeoutMs: Math.round(Number(timeout) * 1000) } : {}),
    },
    ...(hostId !== undefined ? { hostId } : {}),
    ...(ttl !== undefined ? { hostTtlSeconds: Number(ttl) } : {}),
    ...(tunnelIp !== undefined ? { tunnelIp } : {}),
    ...(underlayIface !== undefined ? { underlayIface } : {}),
    ...(dockerHost !== undefined ? { dockerHost } : {}),
    ...(flags.has('no-docker-sync') || given === 'none' ? { dockerSync: false } : {}),
  };
}
