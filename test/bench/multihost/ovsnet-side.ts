// ovsnet's side of the job: one network made through h1's control socket spans every
// host; each endpoint is a namespace attached through its own host's control socket with
// `attach.add`, the request `ovsnet attach add-port br-int eth1 NAME --netns PATH
// --ipaddress A/N --network NET` sends once it has resolved its target (the CLI's own
// process start and OVSDB lookup are left out: they are the same on every host and for
// every network).
import { join } from 'node:path';
import type { HostPlan, Lab } from '../../../vagrant/emulation/lab';
import { callControl } from '../../../controller/control/client';
import { until } from '../../harness/until';
import type { BenchEndpoint } from './converge-job';
import { netnsPath } from './namespaces';

export const OVSNET_NETWORK = 'bench';

export class OvsnetSide {
  constructor(private readonly lab: Lab) {}

  private control(host: HostPlan): string {
    return join(host.stateDir, 'ovsnet.ctl');
  }

  async createNetwork(subnet: string, gateway: string): Promise<number | undefined> {
    const created = await callControl(this.control(this.lab.hosts[0] as HostPlan), 'network.create', {
      id: OVSNET_NETWORK,
      name: OVSNET_NETWORK,
      ipv4: [{ pool: subnet, gateway }],
      ipv6: [],
      icc: true,
      internal: false,
      tunnel: this.lab.plan.tunnel,
    });
    return created.vni;
  }

  join(endpoint: BenchEndpoint, prefixLength: number): Promise<unknown> {
    const host = this.lab.hosts[endpoint.host] as HostPlan;
    const nsPath = netnsPath(endpoint.netns);
    return callControl(
      this.control(host),
      'attach.add',
      {
        bridge: 'br-int',
        ifname: 'eth1',
        container: endpoint.name,
        address: `${endpoint.address}/${prefixLength}`,
        network: OVSNET_NETWORK,
        target: { given: endpoint.name, aliases: [endpoint.name], nsPath },
      },
      60_000,
    );
  }

  /** A probe joins like any endpoint, once its host has seen the network (made on h1). */
  async joinProbe(endpoint: BenchEndpoint, prefixLength: number): Promise<void> {
    let lastError = '';
    await until(
      `${this.lab.hosts[endpoint.host]?.name ?? '?'} to attach its probe`,
      () =>
        this.join(endpoint, prefixLength).then(
          () => true,
          (error: unknown) => {
            lastError = String(error);
            return false;
          },
        ),
      10_000,
      100,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}: ${lastError}`);
    });
  }
}
