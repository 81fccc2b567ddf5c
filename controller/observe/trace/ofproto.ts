// The switch's own answer: `ovs-appctl ofproto/trace` on the running ovs-vswitchd, parsed
// into the tables visited (by number, priority and cookie, which ovsnet's flows carry) and
// the ports the frame left on.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../host/exec';
import { ControllerError } from '../../errors';
import type { TraceOutput } from './types';

/** A table line of ofproto/trace as printed: `N. match, priority P, cookie C` or `N. No match.`. */
export interface RawStep {
  tableId: number;
  match?: string;
  priority?: number;
  cookie?: bigint;
}

export interface RawLeg {
  steps: RawStep[];
  outputs: TraceOutput[];
}

const STEP = /^\s*(\d+)\.\s+(.*)$/;
const MATCHED = /^(?:(.*), )?priority (\d+)(?:, cookie (0x[0-9a-f]+))?$/;

/** Parses the bridge section of ofproto/trace's text output. */
export function parseOfprotoTrace(text: string, inPort: number): RawLeg {
  const leg: RawLeg = { steps: [], outputs: [] };
  let tunDst: string | undefined;
  let tunKey: string | undefined;
  for (const raw of text.split('\n')) {
    // A ct() that recirculates ends the first pass; ofproto/trace then resumes the frame as
    // a new tracked connection (its default --ct-next, trk,new) in a section of its own,
    // whose tables continue this leg.
    if (raw.startsWith('Final flow:') || raw.startsWith('Datapath actions:')) continue;
    const line = raw.trim();
    const step = STEP.exec(raw);
    if (step && !line.startsWith('->')) {
      const body = (step[2] as string).trim();
      if (body.startsWith('No match')) {
        leg.steps.push({ tableId: Number(step[1]) });
        continue;
      }
      const matched = MATCHED.exec(body);
      if (matched) {
        leg.steps.push({
          tableId: Number(step[1]),
          ...(matched[1] !== undefined ? { match: matched[1] } : {}),
          priority: Number(matched[2]),
          ...(matched[3] !== undefined ? { cookie: BigInt(matched[3]) } : {}),
        });
        continue;
      }
    }
    const setField = /^set_field:(.+)->(tun_dst|tun_ipv6_dst|tun_id)$/.exec(line);
    if (setField) {
      if (setField[2] === 'tun_id') tunKey = BigInt(setField[1] as string).toString();
      else tunDst = setField[1];
      continue;
    }
    const output = /^output:(\d+)$/.exec(line);
    if (output) {
      leg.outputs.push({
        port: Number(output[1]),
        ...(tunDst !== undefined ? { tunnel: { dst: tunDst, key: tunKey ?? '0' } } : {}),
      });
      continue;
    }
    if (line === 'IN_PORT' || line === 'in_port') {
      leg.outputs.push({ port: inPort, inPort: true });
      continue;
    }
    // OVS names the output it refused right below it.
    if (line.startsWith('>> skipping output to input port')) leg.outputs.pop();
  }
  return leg;
}

/**
 * The unixctl target of ovs-vswitchd under `rundir`: a private OVS (ovsnet up, the tests)
 * names its socket ovs-vswitchd.ctl; a system OVS names it by pid, which ovs-appctl finds
 * itself through OVS_RUNDIR.
 */
function target(rundir: string): { args: string[]; env: NodeJS.ProcessEnv } {
  const fixed = join(rundir, 'ovs-vswitchd.ctl');
  const env = { ...process.env, OVS_RUNDIR: rundir };
  return existsSync(fixed) ? { args: ['-t', fixed], env } : { args: ['-t', 'ovs-vswitchd'], env };
}

/** Runs ofproto/trace for one frame on `bridge` and parses the answer. */
export async function traceOnSwitch(rundir: string, bridge: string, frame: string, inPort: number): Promise<RawLeg> {
  const { args, env } = target(rundir);
  const result = await run('ovs-appctl', [...args, 'ofproto/trace', bridge, frame], {
    env,
    timeoutMs: 10_000,
    allowFailure: true,
  });
  if (result.code !== 0)
    throw new ControllerError(
      'UNAVAILABLE',
      `ovs-appctl ofproto/trace failed: ${(result.stderr || result.stdout).trim()}`,
    );
  return parseOfprotoTrace(result.stdout, inPort);
}
