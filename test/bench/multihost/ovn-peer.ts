// The peer: OVN from Debian (ovn-central + ovn-host) doing the same job in the same lab.
// The central part (NB and SB ovsdb-servers, ovn-northd, an ovn-nbctl daemon) runs in the
// underlay namespace beside etcd, the SB database reachable at 172.31.0.254:6642; each lab
// host runs one ovn-controller against that host's own Open vSwitch, with an integration
// bridge of its own (br-ovn, userspace datapath) and Geneve tunnels from the host's
// underlay address (on br-phy, as userspace tunnels need). Every process lives in a lab
// namespace, so `lab down` removes it whatever happens here.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { HostPlan, Lab } from '../../../vagrant/emulation/lab';
import { run, runOk } from '../../../controller/host/exec';
import { findBinary } from '../../harness/require';
import { until } from '../../harness/until';
import type { BenchEndpoint } from './converge-job';
import { addVethWithoutHostIpv6, netnsPath } from './namespaces';

export const OVN_BRIDGE = 'br-ovn';
const SCHEMAS = ['/usr/share/ovn/ovn-nb.ovsschema', '/usr/share/ovn/ovn-sb.ovsschema'];
const BINARIES = ['ovsdb-server', 'ovsdb-tool', 'ovn-northd', 'ovn-controller', 'ovn-nbctl', 'ovn-sbctl', 'ovn-appctl'];
const SB_PORT = 6642;
const SWITCH = 'bench';
/** Geneve carries 58 bytes of headers (with OVN's option) over IPv4. */
export const OVN_MTU = 1442;

/** Why OVN cannot run here (empty when it can). */
export function ovnMissing(): string[] {
  return [
    ...BINARIES.filter((b) => findBinary(b) === undefined).map((b) => `no ${b}`),
    ...SCHEMAS.filter((s) => !existsSync(s)).map((s) => `no ${s}`),
  ].map((why) => `${why} (apt-get install -y --no-install-recommends ovn-central ovn-host)`);
}

export class OvnPeer {
  private constructor(
    private readonly lab: Lab,
    private readonly dir: string,
  ) {}

  private get central(): string {
    return this.lab.plan.underlay.netns;
  }
  private sock(name: string): string {
    return join(this.dir, `${name}.sock`);
  }
  private ctl(name: string): string {
    return join(this.dir, `${name}.ctl`);
  }
  private hostDir(host: HostPlan): string {
    return join(this.dir, host.name);
  }
  private vsctl(host: HostPlan, ...args: string[]): Promise<string> {
    return runOk('ovs-vsctl', [`--db=unix:${join(host.ovsDir, 'db.sock')}`, '--timeout=30', ...args], {
      timeoutMs: 60_000,
    });
  }

  /** ovn-nbctl through the daemon started by start(): no full database fetch per command. */
  nbctl(...args: string[]): Promise<string> {
    return runOk('ovn-nbctl', args, { env: { ...process.env, OVN_NB_DAEMON: this.ctl('nbctl') } });
  }
  sbctl(...args: string[]): Promise<string> {
    return runOk('ovn-sbctl', [`--db=unix:${this.sock('sb')}`, ...args]);
  }

  /**
   * Starts a daemon detached, pidfile and log in rundir. Central daemons get a control
   * socket of their own name; ovn-controller takes no --unixctl and puts its socket in
   * $OVN_RUNDIR, so each host's gets a rundir of its own.
   */
  private async daemon(
    netns: string,
    rundir: string,
    name: string,
    argv: string[],
    env: NodeJS.ProcessEnv = process.env,
  ): Promise<void> {
    const [cmd, ...args] = argv as [string, ...string[]];
    const unixctl = cmd === 'ovn-controller' ? [] : [`--unixctl=${this.ctl(name)}`];
    await runOk(
      'ip',
      [
        'netns',
        'exec',
        netns,
        cmd,
        '--detach',
        '--no-chdir',
        `--pidfile=${join(rundir, `${name}.pid`)}`,
        `--log-file=${join(rundir, `${name}.log`)}`,
        ...unixctl,
        ...args,
      ],
      { env: { ...env, OVN_RUNDIR: rundir }, timeoutMs: 60_000 },
    );
  }

  static async start(lab: Lab, log: (line: string) => void): Promise<OvnPeer> {
    const peer = new OvnPeer(lab, join(lab.dir, 'ovn'));
    await peer.startCentral();
    await Promise.all(lab.hosts.map((host) => peer.startChassis(host)));
    await until(
      `${lab.hosts.length} OVN chassis with their Geneve tunnels`,
      async () => {
        const chassis = (await peer.sbctl('--bare', '--columns=name', 'list', 'Chassis')).split(/\s+/).filter(Boolean);
        if (chassis.length !== lab.hosts.length) return false;
        const tunnels = await Promise.all(
          lab.hosts.map(async (h) => (await peer.vsctl(h, 'list-ports', OVN_BRIDGE)).split('\n').filter(Boolean)),
        );
        return tunnels.every((ports) => ports.length >= lab.hosts.length - 1);
      },
      60_000,
      200,
    );
    log(
      `OVN ${(await runOk('ovn-northd', ['--version'])).split('\n')[0] ?? ''}: NB/SB ovsdb-servers and ovn-northd in ` +
        `the underlay namespace, one ovn-controller per host on ${OVN_BRIDGE} (netdev), Geneve from each br-phy address`,
    );
    return peer;
  }

  private async startCentral(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const [nbSchema, sbSchema] = SCHEMAS as [string, string];
    await runOk('ovsdb-tool', ['create', join(this.dir, 'nb.db'), nbSchema]);
    await runOk('ovsdb-tool', ['create', join(this.dir, 'sb.db'), sbSchema]);
    const sbAddress = `ptcp:${SB_PORT}:${this.lab.plan.underlay.ip}`;
    await this.daemon(this.central, this.dir, 'nb', [
      'ovsdb-server',
      `--remote=punix:${this.sock('nb')}`,
      join(this.dir, 'nb.db'),
    ]);
    await this.daemon(this.central, this.dir, 'sb', [
      'ovsdb-server',
      `--remote=punix:${this.sock('sb')}`,
      `--remote=${sbAddress}`,
      join(this.dir, 'sb.db'),
    ]);
    await runOk('ovn-nbctl', [`--db=unix:${this.sock('nb')}`, '--no-wait', 'init']);
    await this.daemon(this.central, this.dir, 'northd', [
      'ovn-northd',
      `--ovnnb-db=unix:${this.sock('nb')}`,
      `--ovnsb-db=unix:${this.sock('sb')}`,
    ]);
    await this.daemon(this.central, this.dir, 'nbctl', ['ovn-nbctl', `--db=unix:${this.sock('nb')}`]);
  }

  private async startChassis(host: HostPlan): Promise<void> {
    mkdirSync(this.hostDir(host), { recursive: true });
    await this.vsctl(
      host,
      '--may-exist',
      'add-br',
      OVN_BRIDGE,
      '--',
      'set',
      'bridge',
      OVN_BRIDGE,
      'datapath_type=netdev',
      'fail_mode=secure',
      'other-config:disable-in-band=true',
      '--',
      'set',
      'open_vswitch',
      '.',
      `external_ids:system-id=${host.name}`,
      `external_ids:ovn-remote=tcp:${this.lab.plan.underlay.ip}:${SB_PORT}`,
      'external_ids:ovn-encap-type=geneve',
      `external_ids:ovn-encap-ip=${host.underlayIp}`,
      `external_ids:ovn-bridge=${OVN_BRIDGE}`,
      'external_ids:ovn-bridge-datapath-type=netdev',
    );
    await this.daemon(
      host.netns,
      this.hostDir(host),
      'ovn-controller',
      ['ovn-controller', `unix:${join(host.ovsDir, 'db.sock')}`],
      this.lab.env(host.name),
    );
  }

  async createSwitch(): Promise<void> {
    await this.nbctl('ls-add', SWITCH);
  }

  /**
   * The join: the logical switch port in the northbound database and, at the same time,
   * the host side (a veth into the endpoint's namespace, addressed there, added to br-ovn
   * with external_ids:iface-id naming the logical port, which is what binds it).
   */
  async join(endpoint: BenchEndpoint, prefixLength: number): Promise<void> {
    const host = this.lab.hosts[endpoint.host] as HostPlan;
    const port = `ovn${endpoint.name}`.slice(0, 15);
    await Promise.all([
      this.nbctl(
        'lsp-add',
        SWITCH,
        endpoint.name,
        '--',
        'lsp-set-addresses',
        endpoint.name,
        `${endpoint.mac} ${endpoint.address}`,
      ),
      (async () => {
        await addVethWithoutHostIpv6(
          host.netns,
          port,
          `link add ${port} mtu ${OVN_MTU} up type veth peer name eth1 mtu ${OVN_MTU} address ${endpoint.mac} netns ${netnsPath(endpoint.netns)}`,
        );
        await runOk('ip', ['-n', endpoint.netns, '-batch', '-'], {
          input: `addr add ${endpoint.address}/${prefixLength} dev eth1\nlink set eth1 up\n`,
        });
        await this.vsctl(
          host,
          'add-port',
          OVN_BRIDGE,
          port,
          '--',
          'set',
          'interface',
          port,
          `external_ids:iface-id=${endpoint.name}`,
        );
      })(),
    ]);
  }

  /** Stops OVN and removes what it added to each host's Open vSwitch. */
  async stop(): Promise<void> {
    const exit = (target: string, env: NodeJS.ProcessEnv = process.env): Promise<unknown> =>
      run('ovn-appctl', ['-t', target, 'exit'], { env, allowFailure: true, timeoutMs: 10_000 });
    await Promise.all(
      this.lab.hosts.map((h) => exit('ovn-controller', { ...process.env, OVN_RUNDIR: this.hostDir(h) })),
    );
    await Promise.all(
      this.lab.hosts.map((h) =>
        this.vsctl(
          h,
          '--if-exists',
          'del-br',
          OVN_BRIDGE,
          '--',
          'remove',
          'open_vswitch',
          '.',
          'external_ids',
          'ovn-remote',
          'ovn-encap-type',
          'ovn-encap-ip',
          'ovn-bridge',
          'ovn-bridge-datapath-type',
        ),
      ),
    );
    for (const name of ['nbctl', 'northd', 'sb', 'nb']) await exit(this.ctl(name));
  }
}
