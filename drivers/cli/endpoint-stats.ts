// `ovsnet endpoint stats [NAME] [--watch]`: the switch's port counters per container, from
// the container's side (what it sent and received, and what the switch dropped). --watch
// redraws every 2 s with the rates since the last sample.
import { callControl, type EndpointCounters } from '../../controller/api';
import { askDaemon } from './ask-daemon';
import type { ParsedArgs } from './args';

const WATCH_PERIOD_MS = 2000;

type Out = (value: unknown, human: () => string) => void;

function render(
  rows: EndpointCounters[],
  previous: Map<string, EndpointCounters> | undefined,
  seconds: number,
): string {
  const header = [
    'NETWORK',
    'CONTAINER',
    'SENT PKTS',
    'SENT BYTES',
    'SENT DROPS',
    'RECV PKTS',
    'RECV BYTES',
    'RECV DROPS',
  ];
  if (previous) header.push('SENT PPS', 'RECV PPS');
  const lines = rows.map((r) => {
    const cells = [
      r.network,
      r.container,
      r.sent.packets,
      r.sent.bytes,
      r.sent.dropped,
      r.received.packets,
      r.received.bytes,
      r.received.dropped,
    ].map(String);
    const before = previous?.get(r.endpointId);
    if (previous) {
      const rate = (now: number, then: number | undefined): string =>
        then === undefined ? '' : ((now - then) / seconds).toFixed(1);
      cells.push(rate(r.sent.packets, before?.sent.packets), rate(r.received.packets, before?.received.packets));
    }
    return cells;
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i < 2 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [line(header), ...lines.map(line)].join('\n');
}

export async function endpointStatsCommand(
  control: string,
  name: string | undefined,
  args: ParsedArgs,
  out: Out,
): Promise<number> {
  const params = name !== undefined ? { name } : {};
  if (!args.flags.has('watch')) {
    const rows = await askDaemon(control, 'endpoint.stats', params);
    out(rows, () => render(rows, undefined, 0));
    return 0;
  }
  let previous: Map<string, EndpointCounters> | undefined;
  let at = Date.now();
  for (;;) {
    // Each sample is a request of its own: the bound of a command that runs until stopped
    // cannot count from its start.
    const rows = await callControl(control, 'endpoint.stats', params);
    const now = Date.now();
    if (args.flags.has('json')) process.stdout.write(`${JSON.stringify({ at: new Date(now).toISOString(), rows })}\n`);
    else
      process.stdout.write(
        `\x1b[2J\x1b[H${new Date(now).toLocaleTimeString()}\n${render(rows, previous, (now - at) / 1000)}\n`,
      );
    previous = new Map(rows.map((r) => [r.endpointId, r]));
    at = now;
    await new Promise((resolve) => setTimeout(resolve, WATCH_PERIOD_MS));
  }
}
