// Two networks on one private OVS served by `ovsnet daemon`: a and b in n1, c in n2, and a
// route in a that puts n2's subnet on a's own link, so only the switch stands between a
// and c (a flood of pings from a to c tells whether isolation holds at every moment).
import { join } from 'node:path';
import type { OvsInstance } from '../../harness/ovs';
import { Netns } from '../../harness/netns';
import { ovsnetDaemonFor, type OvsnetDaemon } from '../../harness/ovsnet-daemon';
import type { RigScope } from '../../harness/rig';
import { startOvs } from '../../harness/with-ovs';
import { callControl } from '../../../controller/control/client';

export interface Host {
  ovs: OvsInstance;
  daemon: OvsnetDaemon;
  /** a and b in network n1, c in network n2. */
  a: Netns;
  b: Netns;
  c: Netns;
}

export const IP = { a: '10.61.0.2', b: '10.61.0.3', c: '10.62.0.2' } as const;

async function join1(host: { ovs: OvsInstance; control: string }, scope: RigScope, network: string, ip: string) {
  const ns = await Netns.create('c');
  scope.defer(() => ns.destroy());
  const endpointId = `adopt-${ip.replace(/\./g, '-')}-0000`;
  const created = (await callControl(host.control, 'endpoint.create', {
    networkId: network,
    endpointId,
    ipv4: ip,
  })) as {
    mac: string;
  };
  const joined = (await callControl(host.control, 'endpoint.join', {
    networkId: network,
    endpointId,
    sandboxKey: ns.path,
  })) as { containerIfname: string };
  await host.ovs.netns.ip('link', 'set', 'dev', joined.containerIfname, 'netns', ns.path);
  await ns.ip('link', 'set', 'dev', joined.containerIfname, 'name', 'eth0');
  await ns.ip('link', 'set', 'dev', 'eth0', 'address', created.mac);
  await ns.ip('addr', 'add', `${ip}/24`, 'dev', 'eth0');
  await ns.ip('link', 'set', 'dev', 'eth0', 'up');
  return ns;
}

/** Starts the host; `prepare` runs on the OVS before the daemon starts. */
export async function startHost(scope: RigScope, prepare?: (ovs: OvsInstance) => Promise<void>): Promise<Host> {
  const ovs = await startOvs(scope);
  await prepare?.(ovs);
  const daemon = ovsnetDaemonFor(scope, ovs);
  await daemon.start();
  const control = join(daemon.stateDir, 'ovsnet.ctl');
  for (const [id, subnet] of [
    ['n1', '10.61.0'],
    ['n2', '10.62.0'],
  ] as const)
    await callControl(control, 'network.create', {
      id,
      ipv4: [{ pool: `${subnet}.0/24`, gateway: `${subnet}.1` }],
      ipv6: [],
      icc: true,
      internal: false,
    });
  const a = await join1({ ovs, control }, scope, 'n1', IP.a);
  const b = await join1({ ovs, control }, scope, 'n1', IP.b);
  const c = await join1({ ovs, control }, scope, 'n2', IP.c);
  // a reaches n2's subnet on its own link: only the switch stands between a and c.
  await a.ip('route', 'add', '10.62.0.0/24', 'dev', 'eth0');
  return { ovs, daemon, a, b, c };
}

/** Pings every 10 ms for `seconds`; the number of answers. */
export async function flood(from: Netns, ip: string, seconds: number): Promise<number> {
  // -w: a deadline, so unanswered ARP (a dead switch) cannot stretch the run.
  const result = await from.tryExec('ping', ['-n', '-i', '0.01', '-w', String(seconds), ip], {
    timeoutMs: seconds * 1000 + 15_000,
  });
  const received = /(\d+) received/.exec(result.stdout)?.[1];
  if (received === undefined)
    throw new Error(`ping gave no summary: ${result.stdout.slice(-300)} ${result.stderr.slice(-300)}`);
  return Number(received);
}
