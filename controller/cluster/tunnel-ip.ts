// The address other hosts reach this one at, when --tunnel-ip does not say: the source
// address the kernel would use towards the cluster store, which every host reaches over the
// underlay anyway.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { invalid } from '../errors';
import { runOk } from '../host/exec';

/** The source address of the route to the first etcd endpoint (`ip route get`). */
export async function tunnelIpTowards(endpoint: string): Promise<string> {
  const host = new URL(endpoint).hostname.replace(/^\[(.*)\]$/, '$1');
  let address = host;
  if (isIP(host) === 0) {
    try {
      address = (await lookup(host)).address;
    } catch (error) {
      throw invalid(`cannot resolve the etcd host "${host}" to find this host's tunnel address: ${String(error)}`);
    }
  }
  const route = await runOk('ip', ['route', 'get', address], { timeoutMs: 5_000 });
  const source = /\bsrc\s+(\S+)/.exec(route)?.[1];
  if (source === undefined || isIP(source) === 0)
    throw invalid(
      `no source address in the route to the cluster store at ${address} (${route.trim()}); give --tunnel-ip`,
    );
  return source;
}
