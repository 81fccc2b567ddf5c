// `ovsnet trace` across hosts. When this host's switch sends the frame into a tunnel, the
// trace goes on where the frame goes: the daemon of the receiving host, reached through its
// control socket (`--peer`), traces the same frame arriving from the tunnel (in_port the
// tunnel port, tun_src this host, tun_id the VNI; resolve.ts and frame.ts build it there)
// and judges it, and the two halves become one path with that host's verdict. Without a
// peer for that host the trace ends at the tunnel and says how to follow it.
import { isAbsolute, join } from 'node:path';
import { statSync } from 'node:fs';
import { callControl } from '../../control/client';
import { invalid } from '../../errors';
import type { TraceAnswer, TraceReport, TraceRequest, TraceVerdict } from './types';

type Tunnelled = Extract<TraceVerdict, { kind: 'tunnelled' }>;

/** How this daemon reaches another, named as `--peer` names it: which host it is, and its trace. */
export interface PeerCalls {
  tunnelIp(peer: string): Promise<string | undefined>;
  trace(peer: string, request: TraceRequest): Promise<TraceReport>;
}

const PEER_TIMEOUT_MS = 15_000;

export const controlSocketPeers: PeerCalls = {
  tunnelIp: async (peer) => {
    const status = await callControl(peerSocket(peer), 'status', {}, PEER_TIMEOUT_MS);
    return typeof status['tunnelIp'] === 'string' ? status['tunnelIp'] : undefined;
  },
  trace: (peer, request) => callControl(peerSocket(peer), 'trace', request, PEER_TIMEOUT_MS),
};

/** A peer as given: a daemon's control socket, or its state directory (which holds ovsnet.ctl). */
export function peerSocket(peer: string): string {
  if (typeof peer !== 'string' || !isAbsolute(peer)) throw invalid(`--peer must be an absolute path, not "${peer}"`);
  try {
    return statSync(peer).isDirectory() ? join(peer, 'ovsnet.ctl') : peer;
  } catch {
    throw invalid(`--peer ${peer}: no such control socket or state directory`);
  }
}

/** The whole path: this host's legs, then the receiving host's, with its verdict. */
export async function acrossHosts(
  report: TraceReport,
  request: TraceRequest,
  self: string,
  calls: PeerCalls = controlSocketPeers,
): Promise<TraceReport> {
  const hop = report.switch.verdict;
  if (hop.kind !== 'tunnelled') return report;
  const sockets = request.peers ?? [];
  const ended = (why: string): TraceReport => ({
    ...report,
    switch: { ...report.switch, verdict: { ...hop, summary: `${hop.summary}; ${why}` } },
  });
  if (sockets.length === 0)
    return ended(`to follow it there, add --peer with the control socket (or state directory) of ${hop.host}'s daemon`);
  let peer: string | undefined;
  for (const socket of sockets) if ((await calls.tunnelIp(socket)) === hop.tunnelIp) peer = socket;
  if (peer === undefined) return ended(`no --peer daemon is host ${hop.host} (tunnel address ${hop.tunnelIp})`);
  const there = await calls.trace(peer, {
    from: report.from.endpointId ?? report.from.ip,
    to: report.to.endpointId ?? report.to.ip,
    proto: report.proto,
    ...(report.port !== undefined ? { port: report.port } : {}),
    ...(request.srcIp !== undefined ? { srcIp: request.srcIp } : {}),
    ...(request.srcMac !== undefined ? { srcMac: request.srcMac } : {}),
  });
  const switchPath = joined(report.switch, hop, there.switch, self);
  const local = report.simulator ?? report.switch;
  const simulatorPath =
    report.simulator || there.simulator
      ? local.verdict.kind === 'tunnelled'
        ? joined(local, local.verdict, there.simulator ?? there.switch, self)
        : tagged(local, self)
      : undefined;
  return {
    from: report.from,
    to: { ...there.to, label: report.to.label },
    proto: report.proto,
    ...(report.port !== undefined ? { port: report.port } : {}),
    switch: switchPath,
    ...(simulatorPath ? { simulator: simulatorPath } : {}),
    hosts: [self, hop.host],
  };
}

function tagged(answer: TraceAnswer, host: string): TraceAnswer {
  return { ...answer, legs: answer.legs.map((leg) => ({ ...leg, host })) };
}

function joined(here: TraceAnswer, hop: Tunnelled, there: TraceAnswer, self: string): TraceAnswer {
  return {
    legs: [...tagged(here, self).legs, ...tagged(there, hop.host).legs],
    verdict: { ...there.verdict, summary: `${hop.summary}; there, ${there.verdict.summary}` },
  };
}
