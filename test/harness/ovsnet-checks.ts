// Checks shared by the Docker + ovsnet end-to-end tests: connectivity seen from inside
// containers, and the one-to-one match between running containers and what ovsnet holds.
import assert from 'node:assert/strict';
import type { DockerEngine } from './docker';
import type { OvsInstance } from './ovs';
import type { OvsnetDaemon } from './ovsnet-daemon';
import { until } from './until';

/** The container's IPv4 address on `network`. */
export async function containerIp(docker: DockerEngine, name: string, network: string): Promise<string> {
  return (
    await docker.docker('inspect', '-f', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, name)
  ).trim();
}

/** Each container pings the gateway and the next container in the list (a ring). */
export async function assertConnected(
  docker: DockerEngine,
  names: string[],
  network: string,
  gateway: string,
): Promise<void> {
  const addresses = await Promise.all(names.map((name) => containerIp(docker, name, network)));
  for (const [i, name] of names.entries()) {
    const targets = names.length > 1 ? [gateway, addresses[(i + 1) % names.length] as string] : [gateway];
    for (const target of targets) {
      const ping = await docker.tryDocker('exec', name, 'ping', '-c', '1', '-W', '3', target);
      assert.equal(ping.code, 0, `${name} (${addresses[i]}) reaches ${target}`);
    }
  }
}

/** Exactly one endpoint, one OVS port and one host veth per running container (beside the port pool's own). */
export async function assertNothingLeaked(ovs: OvsInstance, daemon: OvsnetDaemon, expected: number): Promise<void> {
  // Polled: endpoints an interrupted call left unjoined are removed after a grace period.
  let endpoints: Array<{ hostIfname: string }> = [];
  await until(
    'one endpoint per container',
    async () => {
      endpoints = (await daemon.cli('endpoint', 'ls')) as Array<{ hostIfname: string }>;
      return endpoints.length === expected;
    },
    30_000,
    500,
  ).catch(() => assert.equal(endpoints.length, expected, `endpoints: ${endpoints.map((e) => e.hostIfname).join(' ')}`));
  const want = endpoints.map((e) => e.hostIfname).sort();
  let ports: string[] = [];
  await until(
    'OVS ports match the endpoints',
    async () => {
      ports = await endpointPorts(ovs, daemon);
      return JSON.stringify(ports) === JSON.stringify(want);
    },
    10_000,
  ).catch(() => assert.deepEqual(ports, want, 'OVS container ports: one per endpoint'));
  const veths = await endpointVeths(ovs, daemon);
  assert.deepEqual(veths, want, 'host veths: one per endpoint, no container-side end left on the host');
}

/** OVS ports of ovsnet's endpoints: every ovsnet port but the gateways and the idle pool slots. */
export async function endpointPorts(ovs: OvsInstance, daemon: OvsnetDaemon): Promise<string[]> {
  // Ports first: a slot made after this listing is not in it, one taken meanwhile is an endpoint's.
  const ports = (await ovs.vsctl('list-ports', 'br-int'))
    .split('\n')
    .filter((p) => p.startsWith('ov') && !p.startsWith('ovsgw'));
  const pooled = new Set(((await daemon.cli('pool', 'ls')) as Array<{ hostIfname: string }>).map((s) => s.hostIfname));
  return ports.filter((p) => !pooled.has(p)).sort();
}

/** No endpoint port and no gateway port is left on the bridge (idle pool slots may be). */
export async function onlyPoolPortsLeft(ovs: OvsInstance, daemon: OvsnetDaemon): Promise<boolean> {
  return (
    (await endpointPorts(ovs, daemon)).length === 0 && !(await ovs.vsctl('list-ports', 'br-int')).includes('ovsgw')
  );
}

/** Veths on the host that are not the port pool's: what endpoints (or leaks) hold. */
export async function endpointVeths(ovs: OvsInstance, daemon: OvsnetDaemon): Promise<string[]> {
  const links = (await ovs.netns.ip('-o', 'link', 'show')).split('\n');
  const names = links
    .map((l) => /^\d+: (ov[scpq][0-9a-f]{11})@/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined);
  const pooled = new Set(
    ((await daemon.cli('pool', 'ls')) as Array<{ hostIfname: string; containerIfname: string }>).flatMap((s) => [
      s.hostIfname,
      s.containerIfname,
    ]),
  );
  return names.filter((n) => !pooled.has(n)).sort();
}

/** IPAM holds exactly `want` (polled: unused addresses are given back after a grace). */
export async function assertAddressesHeld(daemon: OvsnetDaemon, want: string[], timeoutMs = 30_000): Promise<void> {
  const expected = [...want].sort();
  let held: string[] = [];
  await until(
    'IPAM holds only addresses in use',
    async () => {
      const pools = (await daemon.cli('ipam', 'ls')) as Array<{ addresses: Array<{ address: string }> }>;
      held = pools.flatMap((p) => p.addresses.map((a) => a.address)).sort();
      return JSON.stringify(held) === JSON.stringify(expected);
    },
    timeoutMs,
    500,
  ).catch(() => assert.deepEqual(held, expected, 'IPAM holds the gateway and the running containers, nothing else'));
}
