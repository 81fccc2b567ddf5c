// CNI CHECK on the daemon: the container's interface is still what ADD made. Every part is
// looked at (the interface in the namespace with its MAC, addresses and routes, the OVS
// port under its OpenFlow number, each of the endpoint's flows in the switch), and all that
// is wrong is reported in one message.
import { ControllerError, notFound } from '../errors';
import { identity } from '../reconcile/desired-flows';
import { endpointObject, objectSelector } from '../../flows/pipeline/cookies';
import { tableName } from '../../flows/pipeline/tables';
import type { CniContext } from './context';
import { cniEndpointId, endpointView, gatewayRoutes } from './endpoint';
import { findCniNetwork } from './network';
import { readSandbox, type SandboxState } from './sandbox';
import type { CniCheckRequest, CniEndpointView } from './types';

export async function cniCheck(ctx: CniContext, request: CniCheckRequest): Promise<CniEndpointView> {
  const network = await findCniNetwork(ctx.registry, request.network);
  if (!network)
    throw notFound(
      `container ${request.containerId} has no interface ${request.ifname} on network ${request.network.name}: ` +
        'there is no such ovsnet network',
    );
  const endpoint = await ctx.registry.endpoints.get(network.id, cniEndpointId(request.containerId, request.ifname));
  if (!endpoint)
    throw notFound(
      `container ${request.containerId} has no interface ${request.ifname} on network ${request.network.name}`,
    );
  const view = endpointView(network, endpoint, gatewayRoutes(network));
  const problems: string[] = [];
  if (endpoint.sandboxKey !== request.netns)
    problems.push(`the endpoint is joined to ${endpoint.sandboxKey ?? 'no namespace'}, not ${request.netns}`);
  const session = await ctx.switchClient.ready(5000);
  const port = (await session.portDescriptions()).find((p) => p.name === endpoint.hostIfname);
  if (!port) problems.push(`OVS port ${endpoint.hostIfname} is missing from the bridge`);
  else if (port.portNo !== endpoint.ofport)
    problems.push(`OVS port ${endpoint.hostIfname} has OpenFlow number ${port.portNo}, not ${endpoint.ofport}`);
  const selector = objectSelector(endpointObject(endpoint.ofport));
  const want = ctx.flows.flowsOf(selector);
  const have = new Set((await session.dumpFlows(selector)).map((f) => identity(f)));
  const missing = want.filter((f) => !have.has(identity(f)));
  if (want.length === 0) problems.push('the endpoint has no flows in the last reconcile pass');
  if (missing.length > 0) {
    const first = missing[0] as (typeof missing)[0];
    problems.push(
      `${missing.length} of the endpoint's ${want.length} flows are missing from the switch ` +
        `(e.g. table ${tableName(first.tableId)} priority ${first.priority})`,
    );
  }
  const sandbox = await readSandbox(request.netns, request.ifname, endpoint.ipv6 !== undefined);
  if (!sandbox) problems.push(`interface ${request.ifname} is missing from ${request.netns}`);
  else problems.push(...sandboxProblems(request.ifname, view, sandbox));
  if (problems.length > 0) throw new ControllerError('CONFLICT', `CHECK failed: ${problems.join('; ')}`);
  return view;
}

function sandboxProblems(ifname: string, view: CniEndpointView, found: SandboxState): string[] {
  const problems: string[] = [];
  if (found.mac.toLowerCase() !== view.mac.toLowerCase())
    problems.push(`${ifname} has MAC ${found.mac}, not ${view.mac}`);
  if (!found.up) problems.push(`${ifname} is down`);
  if (view.mtu !== undefined && found.mtu !== view.mtu)
    problems.push(`${ifname} has MTU ${found.mtu}, not ${view.mtu}`);
  for (const ip of view.ips)
    if (!found.addresses.includes(ip.address)) problems.push(`${ifname} lacks address ${ip.address}`);
  for (const route of view.routes) {
    const dst = route.dst === '0.0.0.0/0' || route.dst === '::/0' ? 'default' : route.dst;
    if (!found.routes.some((r) => r.dst === dst && r.gw === route.gw))
      problems.push(`${ifname} lacks the route to ${route.dst}${route.gw ? ` via ${route.gw}` : ''}`);
  }
  return problems;
}
