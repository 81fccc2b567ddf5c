// What the live page shows, as one JSON document it polls: health, the last drift repairs,
// and per network its endpoints with their counters and its reachability matrix (every
// ordered pair of members and the gateway, judged like `ovsnet trace` on the installed
// flows, with the same reasons).
import type { FlowStats } from '../../../flows/ofp/types';
import type { PipelineState } from '../../../flows/pipeline/model';
import type { EndpointRecord, NetworkRecord } from '../../cnm/records';
import type { EndpointCounters } from '../endpoint-stats';
import type { DriftRepair } from '../metrics/recorder';
import { networkName } from '../trace/resolve';
import { simulatedTrace } from '../trace/trace';
import { installedFlowSpecs } from './installed-flows';

/** Past this many members a network's matrix is not drawn (it would be members² cells). */
export const MATRIX_LIMIT = 24;

export interface MatrixCell {
  reach: boolean;
  verdict: string;
  summary: string;
}

export interface NetworkOverview {
  id: string;
  name: string;
  icc: boolean;
  internal: boolean;
  subnets: string[];
  endpoints: Array<{ label: string; endpointId: string; ip?: string; mac: string; counters?: EndpointCounters }>;
  /** Row and column labels (the members, then the gateway), and cells[from][to]; absent past MATRIX_LIMIT. */
  matrix?: { members: string[]; cells: Array<Array<MatrixCell | null>> };
}

export interface Overview {
  generatedAt: string;
  health: { ovsdb: boolean; openflow: boolean; flowsInstalled: number; flowsInTable?: number };
  networks: NetworkOverview[];
  repairs: DriftRepair[];
}

export interface OverviewSources {
  networks: () => Promise<NetworkRecord[]>;
  endpoints: () => Promise<EndpointRecord[]>;
  pipeline: () => PipelineState | undefined;
  dumpFlows: () => Promise<FlowStats[]>;
  reasons: () => Map<string, string>;
  counters: () => Promise<EndpointCounters[]>;
  repairs: () => DriftRepair[];
  ovsdbConnected: () => boolean;
  openflowConnected: () => boolean;
  flowsInstalled: () => number;
}

const bare = (cidr: string | undefined): string | undefined => cidr?.split('/')[0];

export async function overview(sources: OverviewSources): Promise<Overview> {
  const networks = await sources.networks();
  const endpoints = (await sources.endpoints()).filter((e) => e.plugged === true);
  const state = sources.pipeline();
  const openflow = sources.openflowConnected();
  // The table is read back only when some network's matrix will be drawn (it costs the
  // switch a walk over every flow).
  const drawn = networks.some((n) => endpoints.filter((e) => e.networkId === n.id).length <= MATRIX_LIMIT);
  const dumped = openflow && drawn ? await sources.dumpFlows().catch(() => undefined) : undefined;
  const counters = new Map((await sources.counters().catch(() => [])).map((c) => [c.endpointId, c]));
  const flows = dumped ? installedFlowSpecs(dumped, sources.reasons()) : undefined;
  const known = state ? { networks, endpoints, state } : undefined;
  const out: NetworkOverview[] = [];
  for (const network of networks) {
    const members = endpoints.filter((e) => e.networkId === network.id && bare(e.ipv4 ?? e.ipv6) !== undefined);
    const refs = [...members.map((m) => m.endpointId), `gateway:${network.id}`];
    const labels = [...members.map((m) => m.containerName ?? m.endpointId.slice(0, 12)), 'gateway'];
    let matrix: NetworkOverview['matrix'];
    if (known && flows && members.length <= MATRIX_LIMIT) {
      const cells: Array<Array<MatrixCell | null>> = [];
      for (const from of refs) {
        const row: Array<MatrixCell | null> = [];
        for (const to of refs) {
          if (from === to) {
            row.push(null);
            continue;
          }
          const answer = await simulatedTrace(known, flows, { from, to }).catch((error: unknown) => ({
            verdict: { kind: 'error', summary: (error as Error).message },
          }));
          const kind = answer.verdict.kind;
          row.push({
            reach: kind === 'delivered' || kind === 'to_gateway',
            verdict: kind,
            summary: answer.verdict.summary,
          });
        }
        cells.push(row);
      }
      matrix = { members: labels, cells };
    }
    out.push({
      id: network.id,
      name: networkName(network),
      icc: network.icc,
      internal: network.internal,
      subnets: [...network.ipv4, ...network.ipv6].map((s) => s.pool),
      endpoints: members.map((m) => {
        const ip = bare(m.ipv4) ?? bare(m.ipv6);
        const c = counters.get(m.endpointId);
        return {
          label: m.containerName ?? m.endpointId.slice(0, 12),
          endpointId: m.endpointId,
          ...(ip !== undefined ? { ip } : {}),
          mac: m.mac,
          ...(c ? { counters: c } : {}),
        };
      }),
      ...(matrix ? { matrix } : {}),
    });
  }
  return {
    generatedAt: new Date().toISOString(),
    health: {
      ovsdb: sources.ovsdbConnected(),
      openflow,
      flowsInstalled: sources.flowsInstalled(),
      ...(dumped ? { flowsInTable: dumped.length } : {}),
    },
    networks: out,
    repairs: sources.repairs(),
  };
}
