// CNI DEL on the daemon: idempotent and forgiving, as the spec asks. A network, endpoint or
// namespace already gone is success; the container's interface goes with the endpoint.
import { networksReferredTo } from '../cnm/network-ref';
import { deleteEndpoint } from './add';
import type { CniContext } from './context';
import { cniEndpointId, releaseOwnedAddresses } from './endpoint';
import { removeFromSandbox } from './sandbox';
import type { CniDelRequest } from './types';

export async function cniDel(ctx: CniContext, request: CniDelRequest): Promise<void> {
  // No agreement check: a DEL must succeed even after the configuration changed.
  const networks = networksReferredTo(await ctx.registry.networks.list(), request.network.name);
  const endpointId = cniEndpointId(request.containerId, request.ifname);
  for (const network of networks) {
    const endpoint = await ctx.registry.endpoints.get(network.id, endpointId);
    if (!endpoint) {
      // An ADD that died before storing its endpoint, or whose endpoint a sweep removed
      // unfinished, may still hold addresses under the endpoint's id.
      if (!request.network.delegatedIpam) await releaseOwnedAddresses(ctx.ipam, network, endpointId);
      continue;
    }
    // Gone from the namespace before the answer, so an ADD right after can reuse the name
    // (the host end is deleted after the answer; see stale-links.ts).
    if (request.netns !== undefined && endpoint.sandboxKey === request.netns)
      await removeFromSandbox(request.netns, request.ifname);
    await deleteEndpoint(ctx, network, endpoint, request.network.delegatedIpam);
  }
}
