// The verdict of a trace, in words an operator acts on: where the frame went, or which
// rule dropped it and why ("ICC is off on network web and no allow rule lets a reach b on
// tcp/80"). The same function judges the switch's legs and the simulator's, so their
// verdicts compare.
import type { NetworkRecord } from '../../cnm/records';
import type { FrameInput } from './frame';
import { networkName } from './resolve';
import type { Party, TraceLeg, TraceVerdict } from './types';

export interface Judged {
  from: Party;
  to: Party;
  first: FrameInput;
  networks: readonly NetworkRecord[];
  /** Gateway ports on this bridge: ofport -> network. */
  gateways: ReadonlyMap<number, NetworkRecord>;
  /** Endpoint ports: ofport -> label. */
  ports: ReadonlyMap<number, string>;
  /** Other hosts by tunnel address (the overlay). */
  hosts: ReadonlyMap<string, string>;
  /** The bridge's tunnel ports: ofport -> type (vxlan, gre). */
  tunnels: ReadonlyMap<number, string>;
}

export function judge(legs: readonly TraceLeg[], ctx: Judged): TraceVerdict {
  const leg = legs[legs.length - 1] as TraceLeg;
  const routed = legs.length > 1;
  const via = routed ? ` (routed by the host through the gateway of ${ctx.to.networkName ?? '?'})` : '';
  const outputs = leg.outputs;
  if (outputs.length === 0) {
    const last = leg.steps[leg.steps.length - 1];
    const table = last?.table ?? 'classify';
    return {
      kind: 'dropped',
      table,
      rule: last?.reason ?? 'nothing matched',
      summary: dropSummary(table, routed, ctx, last?.reason ?? ''),
    };
  }
  const tunnelled = outputs.find((o) => o.tunnel !== undefined);
  if (tunnelled?.tunnel) {
    const host = ctx.hosts.get(tunnelled.tunnel.dst) ?? tunnelled.tunnel.dst;
    const type = ctx.tunnels.get(tunnelled.port);
    return {
      kind: 'tunnelled',
      host,
      tunnelIp: tunnelled.tunnel.dst,
      key: tunnelled.tunnel.key,
      ...(type !== undefined ? { tunnel: type } : {}),
      summary: `sent to host ${host} over ${type ?? 'the tunnel'} (tun_dst ${tunnelled.tunnel.dst}, VNI ${tunnelled.tunnel.key})`,
    };
  }
  const answer = outputs.find((o) => o.inPort === true);
  const answeredBy = [...leg.steps].reverse().find((s) => s.table === 'arp_responder' || s.table === 'nd_reply');
  if (answer && answeredBy && outputs.length === 1) {
    return {
      kind: 'answered',
      by: answeredBy.table === 'nd_reply' ? 'nd_reply' : 'arp_responder',
      summary: `answered by the switch for ${ctx.first.dstIp} (${answeredBy.table}): ${answeredBy.reason}`,
    };
  }
  if (outputs.length > 1) {
    const ports = outputs.map((o) => o.port).sort((a, b) => a - b);
    const names = ports.map((p) => ctx.ports.get(p) ?? (ctx.gateways.has(p) ? 'the gateway' : `port ${p}`));
    return { kind: 'flooded', ports, summary: `flooded within the network to ${names.join(', ')}` };
  }
  const port = (outputs[0] as { port: number }).port;
  if (ctx.to.ofport === port)
    return { kind: 'delivered', to: ctx.to.label, port, summary: `delivered to ${ctx.to.label} on port ${port}${via}` };
  const gatewayOf = ctx.gateways.get(port);
  // The host owns every gateway address: whichever gateway port the frame takes, it arrives.
  if (gatewayOf && ctx.to.kind === 'gateway')
    return {
      kind: 'delivered',
      to: ctx.to.label,
      port,
      summary: `delivered to the host through the gateway of ${networkName(gatewayOf)} (port ${port}); the host owns ${ctx.to.ip}`,
    };
  if (gatewayOf) {
    const onward =
      ctx.to.kind === 'address' && ctx.to.networkId === undefined ? `; the host routes it on to ${ctx.to.ip}` : '';
    return {
      kind: 'to_gateway',
      network: networkName(gatewayOf),
      port,
      summary: `sent to the gateway of ${networkName(gatewayOf)} (port ${port})${onward}`,
    };
  }
  const other = ctx.ports.get(port) ?? `port ${port}`;
  return {
    kind: 'delivered',
    to: other,
    port,
    summary: `delivered to ${other} on port ${port}, not to ${ctx.to.label}${via}`,
  };
}

function protoText(first: FrameInput): string {
  return first.proto === 'tcp' || first.proto === 'udp' ? `${first.proto}/${first.port}` : first.proto;
}

function dropSummary(table: string, routed: boolean, ctx: Judged, reason: string): string {
  const { from, to, first } = ctx;
  const fromNet = ctx.networks.find((n) => n.id === from.networkId);
  const net = fromNet ? networkName(fromNet) : '?';
  if (table === 'port_security' && (first.srcIp !== from.ip || first.srcMac !== from.mac))
    return `${from.label} sent from ${first.srcIp} / ${first.srcMac}, which is not its own (${from.ip} / ${from.mac ?? '?'}): port security drops frames with another's source`;
  const ingress = from.ingress;
  if (ingress && (table === 'classify' || table === 'tunnel_classify'))
    return `this host does not take ${ingress.type} frames with VNI ${ingress.vni} from host ${ingress.host} (${ingress.srcIp}): ${reason}`;
  if (ingress && table === 'tunnel_security')
    return `${from.label}'s frame from host ${ingress.host} does not carry ${from.label}'s own addresses in its network (a host speaks only for its own containers): ${reason}`;
  if (routed || table === 'routed_source')
    return `${from.label} (network ${net}) and ${to.label} (network ${to.networkName ?? '?'}) are on different networks: ovsnet isolates networks even though the host routes between their gateways`;
  if (table === 'policy') {
    if (fromNet?.internal === true && to.networkId !== fromNet.id)
      return `network ${net} is internal: its containers cannot leave its subnets (${to.label} is outside)`;
    if (fromNet?.icc === false && to.networkId === fromNet.id)
      return `ICC is off on network ${net} and no allow rule lets ${from.label} reach ${to.label} on ${protoText(first)}`;
    return `the policy of network ${net} drops it: ${reason}`;
  }
  if (table === 'l2_lookup') return `no port of network ${net} has MAC ${first.dstMac}: unknown unicast is dropped`;
  if (table === 'classify') return `port ${first.inPort} is not one ovsnet wired: ${reason}`;
  return `dropped in ${table}: ${reason}`;
}
