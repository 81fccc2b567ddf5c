// The floor under any controller's join in this lab: the same joins made with nothing but
// the kernel and Open vSwitch, as cheaply as ovsnet knows how. Per endpoint: its veth made
// with the container end in its namespace and no IPv6 address on the host end (one `ip`),
// that end's checksum offload turned off (one `ethtool`), then at once the port added to a
// bridge of its own on the host's ovs-vswitchd over a standing OVSDB session (waiting until
// it has a port number) and the container end addressed and brought up (one `ip -batch`).
// No flows, no cluster store, no probes: it is timed until the port is realised and the
// namespace configured, which a join has to wait for before anything can be pinged. What a
// controller adds to this is its own cost; what this costs is the machine's.
import { OvsdbClient } from '../../../ovsdb/client';
import { Vswitch } from '../../../ovsdb/vswitch/vswitch';
import { runOk } from '../../../controller/host/exec';
import { ovsdbRemote } from '../../../vagrant/emulation/host-ovs';
import type { HostPlan, Lab } from '../../../vagrant/emulation/lab';
import { percentile, type BenchEndpoint } from './converge-job';
import { endpointsOf, PREFIX_LENGTH } from './layout';
import { addVethWithoutHostIpv6, NamespaceSet, netnsPath } from './namespaces';

export const FLOOR_BRIDGE = 'br-floor';
const REALISE_TIMEOUT_MS = 60_000;

export interface FloorResult {
  joinMs: number[];
  wallMs: number;
}

async function floorJoin(host: HostPlan, vswitch: Vswitch, endpoint: BenchEndpoint, index: number): Promise<void> {
  const port = `fl${index}`;
  const inside = netnsPath(endpoint.netns);
  await addVethWithoutHostIpv6(
    host.netns,
    port,
    `link add ${port} up promisc on type veth peer name eth1 address ${endpoint.mac} netns ${inside}`,
  );
  await runOk('nsenter', [`--net=${inside}`, 'ethtool', '-K', 'eth1', 'tx', 'off']);
  const configure = runOk('nsenter', [`--net=${inside}`, 'ip', '-batch', '-'], {
    input: `addr add ${endpoint.address}/${PREFIX_LENGTH} dev eth1\nlink set eth1 up\n`,
  });
  const plug = vswitch
    .addPorts([{ bridge: FLOOR_BRIDGE, name: port }])
    .then(() => vswitch.waits.waitRealised([port], REALISE_TIMEOUT_MS));
  await Promise.all([configure, plug]);
}

/** Joins every host's endpoints at once, `concurrency` in flight per host. */
export async function runFloor(lab: Lab, perHost: number, concurrency: number): Promise<FloorResult> {
  const hosts = lab.hosts;
  const namespaces = await NamespaceSet.create('mhf', hosts.length * perHost);
  const clients: OvsdbClient[] = [];
  try {
    const switches = await Promise.all(
      hosts.map(async (host) => {
        const client = await OvsdbClient.connect(ovsdbRemote(host));
        clients.push(client);
        const vswitch = await Vswitch.open(client);
        await vswitch.ensureBridge({ name: FLOOR_BRIDGE, datapathType: 'netdev', failMode: 'secure' });
        return vswitch;
      }),
    );
    const endpoints = endpointsOf(
      hosts.map((h) => h.name),
      perHost,
      namespaces.names,
    );
    const joinMs: number[] = [];
    const started = performance.now();
    await Promise.all(
      hosts.map(async (host, k) => {
        const queue = [...(endpoints[k] ?? [])].map((endpoint, i) => ({ endpoint, index: k * perHost + i }));
        const vswitch = switches[k] as Vswitch;
        const worker = async (): Promise<void> => {
          for (let next = queue.shift(); next; next = queue.shift()) {
            const begun = performance.now();
            await floorJoin(host, vswitch, next.endpoint, next.index);
            joinMs.push(performance.now() - begun);
          }
        };
        await Promise.all(Array.from({ length: concurrency }, worker));
      }),
    );
    return { joinMs, wallMs: performance.now() - started };
  } finally {
    for (const client of clients) client.close();
    await namespaces.destroy();
  }
}

export function describeFloor(result: FloorResult): string {
  const ms = (p: number): string => percentile(result.joinMs, p).toFixed(0);
  const n = result.joinMs.length;
  return (
    `floor (the kernel and Open vSwitch alone, no controller): ${n} ports joined in ${(result.wallMs / 1000).toFixed(1)} s ` +
    `(${(n / (result.wallMs / 1000)).toFixed(1)}/s); a join took p50 ${ms(50)} ms, p90 ${ms(90)} ms, p99 ${ms(99)} ms`
  );
}
