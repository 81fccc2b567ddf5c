// A whole ovsnet host for controller tests: a private OVS, the daemon runtime in-process
// (its OVS and veths in the OVS namespace), and helpers that attach namespace "containers"
// the way libnetwork does after Join (move the interface, address it, route via gateway).
// withControllerHost / sharedControllerHost give it to one test or to a describe block
// (harness/rig.ts: skipped when OVS is missing, logs on failure, removed afterwards).
import { rmSync } from 'node:fs';
import type { OvsInstance } from '../../harness/ovs';
import { Netns } from '../../harness/netns';
import { makeRunDir } from '../../harness/ledger';
import { rigFamily, type RigScope, type RigSpec } from '../../harness/rig';
import { ovsNeeds, startOvs, type OvsNeeds } from '../../harness/with-ovs';
import { startDaemon, type Daemon } from '../../../controller/daemon';
import { silentLogger } from '../../../controller/log';
import type { NetworkSpec } from '../../../controller/cnm/types';
import type { ClusterConfig } from '../../../controller/cluster/config';
import type { ObserveConfig } from '../../../controller/observe/observability';

export interface Container {
  ns: Netns;
  networkId: string;
  endpointId: string;
  ip: string;
  mac: string;
  ofport: number;
}

export class ControllerHost {
  readonly containers: Container[] = [];
  private constructor(
    readonly ovs: OvsInstance,
    public daemon: Daemon,
    readonly stateDir: string,
    private readonly options: HostOptions = {},
  ) {}

  static async start(scope: RigScope, options: HostOptions = {}): Promise<ControllerHost> {
    const ovs = await startOvs(scope);
    const stateDir = makeRunDir('state');
    scope.defer(() => rmSync(stateDir, { recursive: true, force: true }));
    // dockerd turns forwarding on; isolation between networks must not rely on it being off.
    await ovs.netns.exec('sysctl', ['-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']);
    const daemon = await ControllerHost.daemonFor(ovs, stateDir, options);
    const host = new ControllerHost(ovs, daemon, stateDir, options);
    scope.defer(() => host.stop());
    return host;
  }

  static daemonFor(ovs: OvsInstance, stateDir: string, options: HostOptions = {}): Promise<Daemon> {
    const { portPool, cluster, observe } = options;
    return startDaemon({
      ovsdb: ovs.dbRemote,
      ovsRundir: ovs.rundir,
      bridge: 'br-int',
      datapath: 'netdev',
      stateDir,
      logger: silentLogger,
      netns: ovs.netns.name,
      driftPeriodMs: options.driftPeriodMs ?? 1000,
      // Namespace containers are no Docker containers: leave the host's engine alone.
      dockerSocket: null,
      ...(portPool !== undefined ? { portPool } : {}),
      ...(cluster !== undefined ? { cluster } : {}),
      ...(observe !== undefined ? { observe } : {}),
    });
  }

  /** Starts the daemon again (after stop(), or a simulated crash) with the same settings. */
  async startDaemonAgain(): Promise<void> {
    this.daemon = await ControllerHost.daemonFor(this.ovs, this.stateDir, this.options);
  }

  async restartDaemon(): Promise<void> {
    await this.daemon.stop();
    await this.startDaemonAgain();
  }

  async network(id: string, subnet: string, options: Partial<NetworkSpec> = {}): Promise<void> {
    const gateway = subnet.replace(/\.0\/\d+$/, '.1');
    await this.daemon.service.createNetwork({
      id,
      ipv4: [{ pool: subnet, gateway }],
      ipv6: [],
      icc: true,
      internal: false,
      ...options,
    });
  }

  /** createEndpoint + join + what libnetwork does with the interface afterwards. */
  async container(networkId: string, endpointId: string, ip: string): Promise<Container> {
    return this.containerWith(networkId, endpointId, ip);
  }

  /** A container with an IPv6 address too (CIDR), when given; `dad` runs duplicate address detection on it. */
  async containerWith(
    networkId: string,
    endpointId: string,
    ip: string,
    ipv6?: string,
    options: { dad?: boolean } = {},
  ): Promise<Container> {
    const ns = await Netns.create('c');
    const info = await this.daemon.service.createEndpoint({
      networkId,
      endpointId,
      ipv4: ip,
      ...(ipv6 !== undefined ? { ipv6 } : {}),
    });
    const joined = await this.daemon.service.join(networkId, endpointId, ns.path);
    await this.ovs.netns.ip('link', 'set', 'dev', joined.containerIfname, 'netns', ns.path);
    await ns.ip('link', 'set', 'dev', joined.containerIfname, 'name', 'eth0');
    // A pooled veth arrives with the kernel's MAC; libnetwork sets the endpoint's.
    await ns.ip('link', 'set', 'dev', 'eth0', 'address', info.mac);
    await ns.ip('addr', 'add', ip, 'dev', 'eth0');
    if (ipv6 !== undefined) await ns.ip('-6', 'addr', 'add', ipv6, 'dev', 'eth0', ...(options.dad ? [] : ['nodad']));
    await ns.ip('link', 'set', 'dev', 'eth0', 'up');
    if (joined.gatewayIpv4) await ns.ip('route', 'add', 'default', 'via', joined.gatewayIpv4);
    if (ipv6 !== undefined && joined.gatewayIpv6)
      await ns.ip('-6', 'route', 'add', 'default', 'via', joined.gatewayIpv6);
    const plugged = await this.daemon.service.endpointInfo(networkId, endpointId);
    const container = {
      ns,
      networkId,
      endpointId,
      ip: ip.split('/')[0] as string,
      mac: info.mac,
      ofport: plugged.ofport ?? 0,
    };
    this.containers.push(container);
    return container;
  }

  /** The link exists in the OVS namespace (where ovsnet makes veths). */
  async linkExists(name: string): Promise<boolean> {
    return (await this.ovs.netns.ip('-o', 'link', 'show'))
      .split('\n')
      .some((l) => l.split(':')[1]?.trim().split('@')[0] === name);
  }

  /** Removes the containers and stops the daemon (the OVS is the scope's). */
  private async stop(): Promise<void> {
    for (const c of this.containers) await c.ns.destroy();
    await this.daemon.stop();
  }
}

export interface HostOptions extends OvsNeeds {
  /** The daemon's --port-pool (its default when absent). */
  portPool?: number;
  /** Run the daemon on a cluster store (its --etcd and the options beside it). */
  cluster?: ClusterConfig;
  /** How often the daemon repairs drift (1 s when absent). */
  driftPeriodMs?: number;
  /** The daemon's --metrics / --http listeners. */
  observe?: ObserveConfig;
}

export function controllerHostRig(options: HostOptions = {}): RigSpec<ControllerHost> {
  return { needs: ovsNeeds(options), start: (scope) => ControllerHost.start(scope, options) };
}

const hostRigs = rigFamily<HostOptions, ControllerHost>(controllerHostRig);
/** Runs body against a host of its own: withControllerHost(t, [{ needs, portPool }], async (host) => ...). */
export const withControllerHost = hostRigs.single;
/** One host for the tests of the enclosing describe block. */
export const sharedControllerHost = hostRigs.shared;
