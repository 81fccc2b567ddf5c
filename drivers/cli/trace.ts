// `ovsnet trace --from A --to B [--proto icmp|tcp|udp|arp] [--port N] [--src-ip IP]
// [--src-mac MAC] [--peer SOCKET|STATE_DIR ...] [--json]`: asks the daemon to run the frame A
// would send through the switch and prints each table with the reason of the flow that
// matched, then the verdict; across hosts, each leg says on which host's switch it ran.
import { join, resolve } from 'node:path';
import type { TraceAnswer, TraceReport, TraceRequest } from '../../controller/api';
import { askDaemon } from './ask-daemon';
import { UsageError, type ParsedArgs } from './args';

export async function traceCommand(args: ParsedArgs): Promise<number> {
  const control = args.options.get('control') ?? join(args.options.get('state-dir') ?? '/var/lib/ovsnet', 'ovsnet.ctl');
  const from = args.options.get('from');
  const to = args.options.get('to');
  if (!from || !to) throw new UsageError('usage: ovsnet trace --from A --to B [--proto icmp|tcp|udp|arp] [--port N]');
  const port = args.options.get('port');
  if (port !== undefined && !/^\d{1,5}$/.test(port)) throw new UsageError(`--port must be a number, not "${port}"`);
  const request: TraceRequest = {
    from,
    to,
    ...(args.options.has('proto') ? { proto: args.options.get('proto') as TraceRequest['proto'] } : {}),
    ...(port !== undefined ? { port: Number(port) } : {}),
    ...(args.options.has('src-ip') ? { srcIp: args.options.get('src-ip') } : {}),
    ...(args.options.has('src-mac') ? { srcMac: args.options.get('src-mac') } : {}),
    ...(args.repeated.has('peer') ? { peers: (args.repeated.get('peer') as string[]).map((p) => resolve(p)) } : {}),
  };
  const report = await askDaemon(control, 'trace', request);
  process.stdout.write(`${args.flags.has('json') ? JSON.stringify(report, null, 2) : traceText(report)}\n`);
  return 0;
}

function answerText(answer: TraceAnswer): string[] {
  const lines: string[] = [];
  answer.legs.forEach((leg, i) => {
    lines.push(`leg ${i + 1}${leg.host !== undefined ? ` on ${leg.host}` : ''}: ${leg.what}`, `  frame: ${leg.frame}`);
    for (const step of leg.steps) {
      const priority = step.priority !== undefined ? `prio ${step.priority}` : 'no match';
      lines.push(
        `  ${String(step.tableId).padStart(2)}. ${step.table.padEnd(16)} ${priority.padEnd(9)} ${step.reason}${step.owner ? `  [${step.owner}]` : ''}`,
      );
    }
    const outputs = leg.outputs.map((o) =>
      o.inPort
        ? `in_port (${o.port})`
        : o.tunnel
          ? `tunnel port ${o.port} to ${o.tunnel.dst}, VNI ${o.tunnel.key}`
          : String(o.port),
    );
    lines.push(`  -> ${outputs.length > 0 ? `output ${outputs.join(', ')}` : 'dropped'}`);
  });
  lines.push(`verdict: ${answer.verdict.kind.toUpperCase().replace('_', ' ')}: ${answer.verdict.summary}`);
  return lines;
}

export function traceText(report: TraceReport): string {
  const what = report.port !== undefined ? `${report.proto}/${report.port}` : report.proto;
  const across = report.hosts ? `, across ${report.hosts.join(' -> ')}` : '';
  const lines = [
    `trace ${report.from.label} (${report.from.ip}) -> ${report.to.label} (${report.to.ip}), ${what}${across}`,
  ];
  lines.push(...answerText(report.switch));
  if (report.simulator) {
    lines.push('', 'THE FLOW SIMULATOR DISAGREES (a bug in ovsnet; please report it):');
    lines.push(...answerText(report.simulator).map((l) => `  ${l}`));
  }
  return lines.join('\n');
}
