#!/usr/bin/env -S node --optimize-for-size
// `ovsnet` command line entry point.
import {
  createLogger,
  DEFAULT_PORT_POOL,
  ovsnetVersion,
  parseListenAddress,
  resolveDatapath,
  startDaemon,
  startEmbeddedOvs,
  SYSTEM_OVSDB,
  type DatapathChoice,
} from '../../controller/api';
import { parseArgs, UsageError } from './args';
import { CLUSTER_HELP, clusterConfig } from './cluster-options';
import { reportAndExit } from './exit';
import { optionsIn, requireKnownOptions } from './known-options';
import type { Daemon, DaemonConfig, Logger } from '../../controller/api';
import { keepHeapSmall } from './heap-settings';

const HELP = `ovsnet - Open vSwitch networking for Docker containers

Usage:
  ovsnet up [options]     start ovsnet in the foreground; starts a private Open vSwitch
                          under the state directory when none is running
  ovsnet daemon [options] run the controller against an existing Open vSwitch
  ovsnet status           OVS, bridge, OpenFlow session and counts of the running daemon
  ovsnet network create NAME --subnet CIDR [--subnet CIDR6] [--gateway IP]
                 [--ip-range CIDR] [--icc=false] [--internal] [--mtu N] [--vni N]
                 [--tunnel vxlan|gre] [--allow FROM>TO[:SERVICE,...]]...
                          a network for every host of the cluster, without Docker (the
                          same network as a Docker one with -o ovsnet.name=NAME);
                          --allow: rules that come with it (-o ovsnet.allow=...)
  ovsnet network ls | ovsnet network rm NETWORK | ovsnet network inspect NETWORK
  ovsnet host ls          the cluster's hosts: tunnel address, alive, endpoints
  ovsnet host rm HOST     forget a dead host and remove its endpoints
  ovsnet endpoint ls
  ovsnet endpoint stats [NAME] [--watch]
                          packets, bytes and drops each container sent and received
                          (the switch's port counters; --watch refreshes every 2 s)
  ovsnet ipam ls          address pools and the addresses held in each
  ovsnet pool ls          veth pairs ready on the bridge for the next joins
  ovsnet policy allow --network NETWORK --from A --to B [--proto tcp|udp|icmp]
                    [--port N] [--stateless] [--allow-empty]
  ovsnet policy ls | ovsnet policy rm RULE_ID
                          A and B: endpoint id, container name or id, address, CIDR
                          or label:KEY=VALUE; rules are stateful (replies only to
                          connections the rule opened) unless --stateless; a rule
                          matching nothing needs --allow-empty; 'ls' shows matches
  ovsnet flows [--network NAME]
                          the installed pipeline: table names and why each flow exists
                          (these talk to the daemon's control socket: --state-dir DIR
                          or --control PATH; add --json for machine output)
  ovsnet trace --from A --to B [--proto icmp|tcp|udp|arp] [--port N]
              [--src-ip IP] [--src-mac MAC] [--peer SOCKET|STATE_DIR ...]
                          run the frame A would send to B through the switch
                          (ofproto/trace): each table with why its flow exists, and
                          the verdict (A, B: container, endpoint id, address, or
                          gateway:NETWORK); a frame sent into a tunnel is traced on
                          at the receiving host by whichever --peer daemon is that
                          host (its control socket or state directory)
  ovsnet attach add-port|del-port|del-ports|set-vlan ...
                          attach containers by hand, ovs-docker compatible
                          ('ovsnet attach --help'; also installed as 'ovs-docker')
  ovsnet --version        print the version
  ovsnet --help           print this help

Options for 'up' and 'daemon':
  --state-dir DIR         where ovsnet keeps its state (default /var/lib/ovsnet)
  --ovsdb REMOTE          OVSDB to use, unix:PATH or tcp:HOST:PORT (default: the system
                          one if it answers, else a private one)
  --bridge NAME           integration bridge (default br-int)
  --datapath MODE         auto | system | netdev (default auto)
  --log-level LEVEL       trace | debug | info | warn | error (default $OVSNET_LOG_LEVEL,
                          else info)
  --ovs-rundir DIR        where <bridge>.mgmt lives (daemon; default: beside the
                          OVSDB socket, else /var/run/openvswitch)
  --plugin-dir DIR        where Docker looks for plugin sockets; ovsnet serves
                          <DIR>/ovsnet.sock (default /run/docker/plugins)
  --unused-grace SECONDS  how long an address or endpoint that Docker left unused
                          (a call cut short by an ovsnet crash) is kept before
                          ovsnet removes it (default 60)
  --metrics [ADDR:]PORT   serve Prometheus metrics at /metrics (loopback unless an
                          address is given; off by default)
  --http [ADDR:]PORT      serve the live page at / (and /metrics; the same listener
                          when it names the --metrics address)
  --port-pool N           veth pairs kept ready on the bridge once containers start
                          joining, so a join only installs flows (default 8; grows
                          with demand; 0 turns it off)
  --docker-host URL       this host's Docker engine (unix:///PATH; default: DOCKER_HOST,
                          else /var/run/docker.sock; 'none': do not ask Docker): allow
                          rules select its containers by name and label, and with --etcd
                          ovsnet keeps its networks in step with the cluster
${CLUSTER_HELP}`;

/** What `up` and `daemon` accept: the options their part of the help documents. */
const DAEMON_OPTIONS = optionsIn(HELP.slice(HELP.indexOf("Options for 'up' and 'daemon':")));

async function main(argv: string[]): Promise<number> {
  // attach has ovs-docker's own argument grammar (options after the positionals).
  if (argv[0] === 'attach') return (await import('./attach')).runAttach(argv.slice(1), 'ovsnet attach', {});
  const args = parseArgs(argv);
  if (args.flags.has('help') || args.command === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  if (args.flags.has('version') || args.command === 'version') {
    process.stdout.write(`ovsnet ${ovsnetVersion()}\n`);
    return 0;
  }
  if (args.command === undefined) {
    process.stderr.write(HELP);
    return 2;
  }
  if (args.command === 'up' || args.command === 'daemon') {
    requireKnownOptions(args.command, args.options.keys(), DAEMON_OPTIONS);
    if (args.positionals.length > 0)
      throw new UsageError(`'ovsnet ${args.command}' takes no arguments, not "${args.positionals.join(' ')}"`);
    keepHeapSmall();
    return args.command === 'up' ? up(args.options, args.flags) : daemon(args.options, args.flags);
  }
  if (['status', 'network', 'host', 'endpoint', 'ipam', 'pool', 'policy', 'flows'].includes(args.command))
    return (await import('./inspect')).inspect(args);
  if (args.command === 'trace') return (await import('./trace')).traceCommand(args);
  throw new UsageError(`unknown command "${args.command}" (try 'ovsnet --help')`);
}

function commonOptions(options: Map<string, string>): {
  datapath: DatapathChoice;
  logger: ReturnType<typeof createLogger>;
} {
  const datapath = options.get('datapath') ?? 'auto';
  if (!['auto', 'system', 'netdev'].includes(datapath)) {
    throw new UsageError(`--datapath must be auto, system or netdev, not "${datapath}"`);
  }
  // OVSNET_LOG_LEVEL reaches daemons started by tools (the lab, benchmarks) without their argv.
  const level = options.get('log-level') ?? process.env['OVSNET_LOG_LEVEL'] ?? 'info';
  if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(level)) {
    throw new UsageError(`--log-level must be trace, debug, info, warn, error, fatal or silent, not "${level}"`);
  }
  return { datapath: datapath as DatapathChoice, logger: createLogger({ level: level as 'info' }) };
}

async function daemon(options: Map<string, string>, flags: ReadonlySet<string>): Promise<number> {
  const { datapath, logger } = commonOptions(options);
  const unusedGraceMs = unusedGrace(options);
  const cluster = clusterConfig(options, process.env, flags);
  const ovsdb = options.get('ovsdb') ?? SYSTEM_OVSDB;
  if (!/^(unix:.+|tcp:.+:\d+)$/.test(ovsdb))
    throw new UsageError(`--ovsdb must be unix:PATH or tcp:HOST:PORT, not "${ovsdb}"`);
  const rundir =
    options.get('ovs-rundir') ??
    (ovsdb.startsWith('unix:') ? ovsdb.slice(5).replace(/\/[^/]*$/, '') : '/var/run/openvswitch');
  const running = await startDaemon({
    ovsdb,
    ovsRundir: rundir,
    bridge: options.get('bridge') ?? 'br-int',
    datapath: resolveDatapath(datapath),
    stateDir: options.get('state-dir') ?? '/var/lib/ovsnet',
    logger,
    unusedGraceMs,
    portPool: portPoolOption(options),
    ...dockerHostOption(options),
    ...(cluster !== undefined ? { cluster } : {}),
    observe: observeOptions(options),
  });
  const plugin = await servePlugin(running, options, logger);
  await untilSignalled();
  logger.info('stopping');
  await plugin.close();
  await running.stop();
  return 0;
}

function observeOptions(options: Map<string, string>): NonNullable<DaemonConfig['observe']> {
  const metrics = options.get('metrics');
  const http = options.get('http');
  return {
    ...(metrics !== undefined ? { metrics: parseListenAddress(metrics, '--metrics') } : {}),
    ...(http !== undefined ? { http: parseListenAddress(http, '--http') } : {}),
  };
}

function unusedGrace(options: Map<string, string>): number {
  const text = options.get('unused-grace') ?? '60';
  if (!/^\d{1,6}$/.test(text) || Number(text) < 1)
    throw new UsageError(`--unused-grace must be a whole number of seconds from 1, not "${text}"`);
  return Number(text) * 1000;
}

/** --docker-host unix:///PATH | none, as the daemon's dockerSocket (absent: its default). */
function dockerHostOption(options: Map<string, string>): { dockerSocket?: string | null } {
  const text = options.get('docker-host');
  if (text === undefined) return {};
  if (text === 'none') return { dockerSocket: null };
  if (!/^unix:\/\/\/.+/.test(text)) throw new UsageError(`--docker-host must be unix:///PATH or none, not "${text}"`);
  return { dockerSocket: text.slice('unix://'.length) };
}

function portPoolOption(options: Map<string, string>): number {
  const text = options.get('port-pool') ?? String(DEFAULT_PORT_POOL);
  if (!/^\d{1,4}$/.test(text) || Number(text) > 1024)
    throw new UsageError(`--port-pool must be a whole number from 0 to 1024, not "${text}"`);
  return Number(text);
}

/** The Docker plugin socket in front of a running daemon. */
async function servePlugin(
  running: Daemon,
  options: Map<string, string>,
  logger: Logger,
): Promise<{ socketPath: string; close(): Promise<void> }> {
  try {
    const { DEFAULT_PLUGIN_DIR, startDockerPlugin } = await import('../docker/plugin');
    const plugin = await startDockerPlugin({
      pluginDir: options.get('plugin-dir') ?? DEFAULT_PLUGIN_DIR,
      network: running.service,
      ipam: running.ipam,
      logger,
      onCall: (method, seconds, failed) => running.recorder.call('plugin', method, seconds, failed),
    });
    running.info.set('plugin', plugin.socketPath);
    logger.info({ socket: plugin.socketPath }, 'Docker plugin is serving');
    return plugin;
  } catch (error) {
    await running.stop();
    throw error;
  }
}

async function up(options: Map<string, string>, flags: ReadonlySet<string>): Promise<number> {
  const { datapath, logger } = commonOptions(options);
  const unusedGraceMs = unusedGrace(options);
  const cluster = clusterConfig(options, process.env, flags);
  const ovsdb = options.get('ovsdb');
  const ovs = await startEmbeddedOvs({
    stateDir: options.get('state-dir') ?? '/var/lib/ovsnet',
    bridge: options.get('bridge') ?? 'br-int',
    datapath,
    ...(ovsdb !== undefined ? { ovsdb } : {}),
    logger,
  });
  let running;
  try {
    running = await startDaemon({
      ovsdb: ovs.ovsdbRemote,
      ovsRundir: ovs.rundir,
      bridge: ovs.bridge,
      datapath: ovs.datapath,
      stateDir: options.get('state-dir') ?? '/var/lib/ovsnet',
      logger,
      unusedGraceMs,
      portPool: portPoolOption(options),
      ...dockerHostOption(options),
      ...(cluster !== undefined ? { cluster } : {}),
      observe: observeOptions(options),
    });
  } catch (error) {
    await ovs.stop();
    throw error;
  }
  let plugin;
  try {
    plugin = await servePlugin(running, options, logger);
  } catch (error) {
    await ovs.stop();
    throw error;
  }
  logger.info(
    {
      ovsdb: ovs.ovsdbRemote,
      bridge: ovs.bridge,
      datapath: ovs.datapath,
      privateOvs: ovs.private,
      control: running.controlSocket,
      plugin: plugin.socketPath,
    },
    'ovsnet is ready',
  );
  await untilSignalled();
  logger.info('stopping');
  await plugin.close();
  await running.stop();
  await ovs.stop();
  logger.info('stopped');
  return 0;
}

/** Resolves on SIGINT or SIGTERM; a timer keeps the process alive until then. */
function untilSignalled(): Promise<void> {
  return new Promise((resolve) => {
    const keepAlive = setInterval(() => undefined, 1 << 30);
    const done = (): void => {
      clearInterval(keepAlive);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

main(process.argv.slice(2)).then((code) => process.exit(code), reportAndExit('ovsnet'));
