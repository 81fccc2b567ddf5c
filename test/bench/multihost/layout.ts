// Who is where in the benchmark: host k (0-based) holds the probe 10.90.(k+1).2 and its
// endpoints 10.90.(k+1).10 onwards, all in one /16; MACs are derived from the address
// (OVN's logical ports name theirs, ovsnet picks its own).
import type { BenchEndpoint } from './converge-job';

export const SUBNET = '10.90.0.0/16';
export const GATEWAY = '10.90.0.1';
export const PREFIX_LENGTH = 16;
const FIRST_HOST_OCTET = 10;
export const MAX_PER_HOST = 245;

function macOf(address: string): string {
  const octets = address.split('.').map((o) => Number(o).toString(16).padStart(2, '0'));
  return `02:00:${octets.join(':')}`;
}

function endpoint(host: number, name: string, last: number, netns: string): BenchEndpoint {
  const address = `10.90.${host + 1}.${last}`;
  return { host, name, address, mac: macOf(address), netns };
}

export function probeOf(host: number, hostName: string, netns: string): BenchEndpoint {
  return endpoint(host, `probe-${hostName}`, 2, netns);
}

/** perHost endpoints for each host, taking their namespaces from netns in order. */
export function endpointsOf(
  hostNames: readonly string[],
  perHost: number,
  netns: readonly string[],
): BenchEndpoint[][] {
  if (perHost > MAX_PER_HOST) throw new Error(`at most ${MAX_PER_HOST} endpoints per host, not ${perHost}`);
  return hostNames.map((hostName, host) =>
    Array.from({ length: perHost }, (_, i) =>
      endpoint(
        host,
        `${hostName}-${String(i).padStart(3, '0')}`,
        FIRST_HOST_OCTET + i,
        netns[host * perHost + i] as string,
      ),
    ),
  );
}
