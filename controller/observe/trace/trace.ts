// `ovsnet trace`: builds the frame A would send to B, runs it through the real switch
// (ofproto/trace) and through the flow simulator, follows it through the host's routing
// when it reaches A's gateway on its way to another network, and judges both answers.
import { buildPipeline } from '../../../flows/pipeline/build';
import type { PipelineState } from '../../../flows/pipeline/model';
import type { Frame } from '../../../flows/pipeline/simulate';
import { simulatedLeg } from './simulated';
import type { FlowSpec } from '../../../flows/pipeline/spec';
import { ControllerError, invalid } from '../../errors';
import type { EndpointRecord, HostRecord, NetworkRecord } from '../../cnm/records';
import { parseAddress, parseMac } from '../../cnm/addresses';
import { gatewayMac } from '../../reconcile/desired-ports';
import { judge, type Judged } from './explain';
import { buildFrame, firstLeg, frameText, type FrameInput } from './frame';
import { traceOnSwitch } from './ofproto';
import { ReasonIndex } from './reasons';
import { familyOfRef, hostName, resolveParty, type Known } from './resolve';
import type {
  Party,
  TraceAnswer,
  TraceLeg,
  TraceOutput,
  TraceProto,
  TraceReport,
  TraceRequest,
  TraceStep,
} from './types';

export interface TraceContext {
  networks: () => Promise<NetworkRecord[]>;
  endpoints: () => Promise<EndpointRecord[]>;
  /** The cluster's hosts, to name them (a cluster host only). */
  hosts?: () => Promise<HostRecord[]>;
  /** The pipeline state the switch was last given; undefined before the first pass. */
  pipeline: () => PipelineState | undefined;
  /** Where ovs-vswitchd's control socket lives, and the bridge. */
  rundir: string;
  bridge: string;
}

type Engine = (frame: Frame, text: string, inPort: number) => Promise<{ steps: TraceStep[]; outputs: TraceOutput[] }>;

const PROTOS: readonly TraceProto[] = ['icmp', 'tcp', 'udp', 'arp'];

function checked(request: TraceRequest): { proto: TraceProto; port: number } {
  if (typeof request.from !== 'string' || request.from === '') throw invalid('trace needs --from');
  if (typeof request.to !== 'string' || request.to === '') throw invalid('trace needs --to');
  const proto = request.proto ?? 'icmp';
  if (!PROTOS.includes(proto)) throw invalid(`--proto must be icmp, tcp, udp or arp, not "${String(proto)}"`);
  const port = request.port ?? 80;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid(`--port must be 1-65535, not ${String(port)}`);
  if (request.srcIp !== undefined) parseAddress(String(request.srcIp), '--src-ip');
  if (request.srcMac !== undefined) parseMac(String(request.srcMac), '--src-mac');
  if (request.peers !== undefined && !Array.isArray(request.peers)) throw invalid('peers must be a list of paths');
  return { proto, port };
}

interface Prepared {
  from: Party;
  to: Party;
  proto: TraceProto;
  port: number;
  first: FrameInput;
  judged: Judged;
}

/** A and B resolved, and the first frame built. */
function prepare(known: Known, request: TraceRequest): Prepared {
  const { proto, port } = checked(request);
  const family = familyOfRef(request.srcIp ?? '') ?? familyOfRef(request.to) ?? familyOfRef(request.from) ?? 4;
  const to = resolveParty(request.to, known, family);
  let from = resolveParty(request.from, known, family);
  // The host sends to an endpoint through that endpoint's own network's gateway.
  if (from.kind === 'gateway' && to.kind === 'endpoint' && to.networkId !== from.networkId)
    from = resolveParty(`gateway:${to.networkId ?? ''}`, known, family);
  const fromNetwork = known.networks.find((n) => n.id === from.networkId);
  const fromPipeline = known.state.networks.find((n) => n.tag === fromNetwork?.tag);
  const gatewayIp = fromNetwork
    ? [...fromNetwork.ipv4, ...fromNetwork.ipv6].find(
        (s) => s.gateway !== undefined && s.gateway.includes(':') === (family === 6),
      )?.gateway
    : undefined;
  const first = firstLeg(from, to, {
    proto,
    port,
    ...(request.srcIp !== undefined ? { srcIp: request.srcIp } : {}),
    ...(request.srcMac !== undefined ? { srcMac: request.srcMac } : {}),
    ...(fromPipeline?.gateway ? { gatewayMac: fromPipeline.gateway.mac } : {}),
    ...(gatewayIp !== undefined ? { gatewayIp } : {}),
  });
  return { from, to, proto, port, first, judged: judgedContext(from, to, first, known) };
}

const simulatorEngine =
  (flows: readonly FlowSpec[], state: PipelineState): Engine =>
  (frame, _text, inPort) =>
    Promise.resolve(
      simulatedLeg(
        flows,
        frame,
        inPort,
        (state.tunnels ?? []).map((t) => t.ofport),
      ),
    );

export async function trace(ctx: TraceContext, request: TraceRequest): Promise<TraceReport> {
  const state = ctx.pipeline();
  if (!state) throw new ControllerError('UNAVAILABLE', 'no flows installed yet: the daemon has not finished a pass');
  const known: Known = {
    networks: await ctx.networks(),
    endpoints: await ctx.endpoints(),
    state,
    ...(ctx.hosts ? { hosts: await ctx.hosts() } : {}),
  };
  const { from, to, proto, port, first, judged } = prepare(known, request);
  const flows = buildPipeline(state);
  const reasons = new ReasonIndex(flows);
  const onSwitch: Engine = async (_frame, text, inPort) => {
    const raw = await traceOnSwitch(ctx.rundir, ctx.bridge, text, inPort);
    return { steps: raw.steps.map((s) => reasons.step(s)), outputs: raw.outputs };
  };
  const switchAnswer = await answer(onSwitch, first, judged, known);
  const simulatorAnswer = await answer(simulatorEngine(flows, state), first, judged, known);
  const same = JSON.stringify(verdictKey(switchAnswer)) === JSON.stringify(verdictKey(simulatorAnswer));
  return {
    from,
    to,
    proto,
    ...(proto === 'tcp' || proto === 'udp' ? { port } : {}),
    switch: switchAnswer,
    ...(same ? {} : { simulator: simulatorAnswer }),
  };
}

/**
 * The same judgement on a given flow table, without the switch: the live page's matrix
 * runs it on the flows read back from the switch.
 */
export function simulatedTrace(known: Known, flows: readonly FlowSpec[], request: TraceRequest): Promise<TraceAnswer> {
  const { first, judged } = prepare(known, request);
  return answer(simulatorEngine(flows, known.state), first, judged, known);
}

/** What makes two verdicts the same answer (the wording aside). */
function verdictKey(answer: TraceAnswer): unknown {
  const v = answer.verdict;
  switch (v.kind) {
    case 'delivered':
    case 'to_gateway':
      return [v.kind, v.port];
    case 'flooded':
      return [v.kind, v.ports];
    case 'dropped':
      return [v.kind, v.table];
    case 'answered':
      return [v.kind, v.by];
    case 'tunnelled':
      return [v.kind, v.tunnelIp, v.key];
  }
}

async function answer(engine: Engine, first: FrameInput, judged: Judged, known: Known): Promise<TraceAnswer> {
  const legs: TraceLeg[] = [];
  const frame = buildFrame(first);
  const text = frameText(frame);
  const ingress = judged.from.ingress;
  const what = ingress
    ? `${judged.from.label} on host ${ingress.host} sends; it arrives over ${ingress.type} (tun_src ${ingress.srcIp}, VNI ${ingress.vni})`
    : `${judged.from.label} sends`;
  legs.push({ frame: text, what, ...(await engine(frame, text, first.inPort)) });
  const second = routedLeg(legs[0] as TraceLeg, first, judged, known);
  if (second) {
    const routedFrame = buildFrame(second.input);
    const routedText = frameText(routedFrame);
    legs.push({
      frame: routedText,
      what: second.what,
      ...(await engine(routedFrame, routedText, second.input.inPort)),
    });
  }
  return { legs, verdict: judge(legs, judged) };
}

/**
 * The host's routing, modelled: a frame that reached A's gateway for an address of another
 * ovsnet network leaves that network's gateway towards B, with the gateway's MAC as source
 * and A's address kept (no NAT between the host's own networks).
 */
function routedLeg(
  leg: TraceLeg,
  first: FrameInput,
  judged: Judged,
  known: Known,
): { input: FrameInput; what: string } | undefined {
  const { to } = judged;
  if (
    first.proto === 'arp' ||
    to.kind === 'gateway' ||
    to.networkId === undefined ||
    to.networkId === judged.from.networkId
  )
    return undefined;
  if (leg.outputs.length !== 1 || !judged.gateways.has((leg.outputs[0] as TraceOutput).port)) return undefined;
  const network = known.networks.find((n) => n.id === to.networkId);
  const gateway = known.state.networks.find((n) => n.tag === network?.tag)?.gateway;
  if (!network || !gateway || to.mac === undefined) return undefined;
  return {
    input: { ...first, inPort: gateway.ofport, srcMac: gatewayMac(network.tag), dstMac: to.mac },
    what: `the host routes it out of the gateway of ${to.networkName ?? network.id} towards ${to.label}`,
  };
}

function judgedContext(from: TraceReport['from'], to: TraceReport['to'], first: FrameInput, known: Known): Judged {
  const gateways = new Map<number, NetworkRecord>();
  for (const network of known.networks) {
    const ofport = known.state.networks.find((n) => n.tag === network.tag)?.gateway?.ofport;
    if (ofport !== undefined) gateways.set(ofport, network);
  }
  const ports = new Map<number, string>();
  for (const e of known.endpoints) {
    const network = known.networks.find((n) => n.id === e.networkId);
    const realised = known.state.endpoints.find((p) => p.mac === e.mac && p.networkTag === network?.tag);
    if (realised) ports.set(realised.ofport, e.containerName ?? e.endpointId.slice(0, 12));
  }
  const hosts = new Map((known.state.remoteHosts ?? []).map((h) => [h.tunnelIp, hostName(known, h.tunnelIp)]));
  const tunnels = new Map((known.state.tunnels ?? []).map((t) => [t.ofport, t.type]));
  return { from, to, first, networks: known.networks, gateways, ports, hosts, tunnels };
}
