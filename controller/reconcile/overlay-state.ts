// Maps a cluster host's overlay (its tunnel ports, the other live hosts and their endpoints)
// onto the pipeline's input. Hosts are known to the pipeline by their cluster number and
// remote endpoints by an id built from (host number, port number there), both the same on
// every host and across restarts (cluster/host-number.ts), so a restarted daemon rebuilds
// the very same flows. A host without a number (an older daemon) or an endpoint whose id
// cannot be built gets no flows: its traffic is dropped, never misdelivered.
import type { PipelineRemoteEndpoint, PipelineRemoteHost, PipelineTunnel } from '../../flows/pipeline/model';
import { remoteEndpointId } from '../cluster/host-number';
import type { RemoteEndpoint } from '../cnm/hosts';
import type { OverlayState } from './ovs-dataplane';

const bare = (cidr: string | undefined): string | undefined => cidr?.split('/')[0];

export interface PipelineOverlay {
  tunnels: PipelineTunnel[];
  remoteHosts: PipelineRemoteHost[];
  remoteEndpoints: PipelineRemoteEndpoint[];
}

/**
 * The remote endpoint's pipeline id, when its host is alive and numbered and the endpoint's
 * port number is final: from its join on, or from its creation for a port attached by hand,
 * which never takes a pooled pair (whose number would replace its own). The other hosts then
 * get its flows while its own host is still making its veth, instead of after.
 */
export function remoteIdOf(endpoint: RemoteEndpoint): number | undefined {
  const portFinal = endpoint.plugged === true || endpoint.attachment !== undefined;
  if (!endpoint.alive || endpoint.hostNumber === undefined || !portFinal) return undefined;
  return remoteEndpointId(endpoint.hostNumber, endpoint.ofport);
}

export function toPipelineOverlay(overlay: OverlayState, tagOf: ReadonlyMap<string, number>): PipelineOverlay {
  const tunnels = [...overlay.tunnels].map(([type, ofport]) => ({ type, ofport }));
  const remoteHosts = overlay.hosts.flatMap((h) =>
    h.number !== undefined ? [{ id: h.number, tunnelIp: h.tunnelIp, alive: true }] : [],
  );
  const remoteEndpoints: PipelineRemoteEndpoint[] = [];
  for (const e of overlay.remoteEndpoints) {
    const id = remoteIdOf(e);
    const networkTag = tagOf.get(e.networkId);
    if (id === undefined || networkTag === undefined || e.hostNumber === undefined) continue;
    // One object shape for all (an absent address is undefined, not left out): each pass
    // maps every remote endpoint, and conditional spreads cost several microseconds each.
    remoteEndpoints.push({ id, host: e.hostNumber, networkTag, mac: e.mac, ipv4: bare(e.ipv4), ipv6: bare(e.ipv6) });
  }
  return { tunnels, remoteHosts, remoteEndpoints };
}
