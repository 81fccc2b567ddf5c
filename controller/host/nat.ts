// External connectivity like Docker's bridge driver, in ovsnet's own iptables chains:
// containers of non-internal networks reach the outside through the host (MASQUERADE of
// their subnet when leaving by another interface), and published ports (-p HOST:CONTAINER)
// are forwarded to the container (DNAT, for traffic from outside and from the host itself).
// The chains are rewritten whole on every sync, so the result never depends on history.
import { run, runOk } from './exec';
import type { EndpointRecord, NetworkRecord } from '../cnm/records';

const POSTROUTING = 'OVSNET-POSTROUTING';
const DNAT_CHAIN = 'OVSNET-DNAT';

export class HostNat {
  private lastRules = '';
  private jumpsInstalled = false;

  constructor(private readonly netns?: string) {}

  private cmd(tool: string, args: string[], input?: string): Promise<string> {
    const argv = this.netns ? ['netns', 'exec', this.netns, tool, ...args] : args;
    return runOk(this.netns ? 'ip' : tool, argv, { ...(input !== undefined ? { input } : {}), timeoutMs: 30_000 });
  }

  private async ensureJump(chain: string, target: string, extra: string[] = []): Promise<void> {
    const rule = [chain, ...extra, '-j', target];
    const check = ['-w', '-t', 'nat', '-C', ...rule];
    const present = await run(
      this.netns ? 'ip' : 'iptables',
      this.netns ? ['netns', 'exec', this.netns, 'iptables', ...check] : check,
      { allowFailure: true },
    );
    if (present.code !== 0) await this.cmd('iptables', ['-w', '-t', 'nat', '-A', ...rule]);
  }

  async sync(networks: NetworkRecord[], endpoints: EndpointRecord[]): Promise<void> {
    const lines = ['*nat', `:${POSTROUTING} - [0:0]`, `:${DNAT_CHAIN} - [0:0]`];
    const external = networks.filter((n) => !n.internal);
    for (const net of external) {
      for (const subnet of net.ipv4)
        lines.push(`-A ${POSTROUTING} -s ${subnet.pool} ! -o ${net.gatewayIfname} -j MASQUERADE`);
    }
    const byId = new Map(external.map((n) => [n.id, n]));
    for (const ep of endpoints) {
      const net = byId.get(ep.networkId);
      const ip = ep.ipv4?.split('/')[0];
      if (!net || !ip || !ep.sandboxKey) continue;
      for (const p of ep.ports ?? []) {
        if (p.hostPort === 0) continue; // never stored: the registry chooses a port for "any"
        const dport =
          p.hostPortEnd && p.hostPortEnd > p.hostPort ? `${p.hostPort}:${p.hostPortEnd}` : String(p.hostPort);
        const to =
          p.hostPortEnd && p.hostPortEnd > p.hostPort
            ? `${ip}:${p.containerPort}-${p.containerPort + (p.hostPortEnd - p.hostPort)}`
            : `${ip}:${p.containerPort}`;
        const host = p.hostIp && !p.hostIp.includes(':') ? ` -d ${p.hostIp}` : '';
        lines.push(
          `-A ${DNAT_CHAIN}${host} -p ${p.proto} --dport ${dport} ! -i ${net.gatewayIfname} -j DNAT --to-destination ${to}`,
        );
      }
    }
    lines.push('COMMIT', '');
    const rules = lines.join('\n');
    if (!this.jumpsInstalled) {
      await this.cmd('iptables-restore', ['-w', '--noflush'], rules);
      await this.ensureJump('POSTROUTING', POSTROUTING);
      await this.ensureJump('PREROUTING', DNAT_CHAIN, ['-m', 'addrtype', '--dst-type', 'LOCAL']);
      await this.ensureJump('OUTPUT', DNAT_CHAIN, ['-m', 'addrtype', '--dst-type', 'LOCAL']);
      if (external.length > 0) await this.cmd('sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
      this.jumpsInstalled = true;
    } else if (rules !== this.lastRules) {
      if (external.length > 0) await this.cmd('sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
      await this.cmd('iptables-restore', ['-w', '--noflush'], rules);
    }
    this.lastRules = rules;
  }
}
