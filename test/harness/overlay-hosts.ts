// Emulated hosts joined by an underlay, for overlay tests on real OVS. The underlay is a
// Linux bridge in a namespace of its own, which also holds an address so tests can inject
// frames from it. Each host is a private OVS in its own namespace: its underlay veth is a
// port of the netdev bridge br-phy, whose internal port holds the host's underlay address
// (OVS userspace tunnels send from an address on an OVS bridge), and the integration
// bridge br-int (netdev, fail_mode=secure) has one flow-based tunnel port per type.
import type { TunnelType } from '../../flows/pipeline/model';
import { Netns, uniqueIfname, vethPair } from './netns';
import { OvsInstance } from './ovs';
import { TUNNEL_PORTS } from './overlay-cluster';

export const UNDERLAY_PREFIX = 24;
const PHYSICAL_BRIDGE = 'br-phy';
export const INTEGRATION_BRIDGE = 'br-int';

export interface OverlayContainer {
  ns: Netns;
  ofport: number;
  mac: string;
  ip: string;
}

export class OverlayHost {
  private readonly containers: Netns[] = [];

  constructor(
    readonly name: string,
    readonly ovs: OvsInstance,
    readonly underlayIp: string,
    /** The host's end of its underlay cable, as seen from the underlay namespace. */
    readonly underlayPort: string,
  ) {}

  /** The MAC frames to this host's underlay address go to. */
  async underlayMac(): Promise<string> {
    const out = await this.ovs.netns.ip('-j', 'link', 'show', PHYSICAL_BRIDGE);
    const [link] = JSON.parse(out) as Array<{ address: string }>;
    if (!link) throw new Error(`${this.name}: no ${PHYSICAL_BRIDGE}`);
    return link.address;
  }

  /** A namespace "container" on br-int, with the port number asked for. */
  async container(ip: string, mac: string, ofport: number): Promise<OverlayContainer> {
    const ns = await Netns.create('c');
    this.containers.push(ns);
    const got = await this.ovs.attachContainer(ns, {
      bridge: INTEGRATION_BRIDGE,
      hostIfname: uniqueIfname('ov'),
      ip,
      mac,
      ofport,
    });
    if (got !== ofport) throw new Error(`${this.name}: asked for port ${ofport}, got ${got}`);
    return { ns, ofport, mac, ip: ip.split('/')[0] as string };
  }

  logs(): string {
    return `---- ${this.name}\n${this.ovs.logs()}`;
  }

  async stop(): Promise<void> {
    for (const ns of this.containers) await ns.destroy();
    await this.ovs.stop();
  }
}

export class Underlay {
  private readonly hosts: OverlayHost[] = [];

  private constructor(
    readonly ns: Netns,
    /** The Linux bridge every host's cable plugs into; frames sent on it reach the hosts. */
    readonly bridge: string,
    readonly injectorIp: string,
  ) {}

  static async create(injectorIp: string): Promise<Underlay> {
    const ns = await Netns.create('u');
    const bridge = 'ul';
    try {
      await ns.ip('link', 'add', bridge, 'type', 'bridge');
      await ns.ip('addr', 'add', `${injectorIp}/${UNDERLAY_PREFIX}`, 'dev', bridge);
      await ns.ip('link', 'set', bridge, 'up');
    } catch (error) {
      await ns.destroy();
      throw error;
    }
    return new Underlay(ns, bridge, injectorIp);
  }

  async addHost(name: string, underlayIp: string): Promise<OverlayHost> {
    const ovs = await OvsInstance.start();
    const underlayPort = `u-${name}`.slice(0, 15);
    const host = new OverlayHost(name, ovs, underlayIp, underlayPort);
    this.hosts.push(host);
    await vethPair({ ns: ovs.netns, name: 'ul0' }, { ns: this.ns, name: underlayPort });
    await this.ns.ip('link', 'set', underlayPort, 'master', this.bridge);
    await ovs.vsctl(
      'add-br',
      PHYSICAL_BRIDGE,
      '--',
      'set',
      'bridge',
      PHYSICAL_BRIDGE,
      'datapath_type=netdev',
      'fail_mode=standalone',
      '--',
      'add-port',
      PHYSICAL_BRIDGE,
      'ul0',
    );
    await ovs.netns.ip('addr', 'add', `${underlayIp}/${UNDERLAY_PREFIX}`, 'dev', PHYSICAL_BRIDGE);
    await ovs.netns.ip('link', 'set', PHYSICAL_BRIDGE, 'up');
    await ovs.addNetdevBridge(INTEGRATION_BRIDGE);
    const tunnelPort = (type: TunnelType): string[] => [
      '--',
      'add-port',
      INTEGRATION_BRIDGE,
      `tnl-${type}`,
      '--',
      'set',
      'interface',
      `tnl-${type}`,
      `type=${type}`,
      'options:remote_ip=flow',
      'options:key=flow',
      `ofport_request=${TUNNEL_PORTS[type]}`,
    ];
    await ovs.vsctl(...tunnelPort('vxlan'), ...tunnelPort('gre'));
    return host;
  }

  /** Where the underlay's own tools run (injector, capture). */
  get injector(): Netns {
    return this.ns;
  }

  logs(): string {
    return this.hosts.map((h) => h.logs()).join('\n');
  }

  async destroy(): Promise<void> {
    for (const host of this.hosts) await host.stop();
    await this.ns.destroy();
  }
}
