// The flow simulator's answer to a trace leg, in the switch's shape (tables by number with
// the matched flows' reasons, and the ports the frame left on), so both are judged alike.
import { simulate, type Frame } from '../../../flows/pipeline/simulate';
import type { FlowSpec } from '../../../flows/pipeline/spec';
import { tableNumber, type TableName } from '../../../flows/pipeline/tables';
import { missReason } from './reasons';
import type { TraceOutput, TraceStep } from './types';

/** The simulator's answer in the switch's shape: tables by number, reasons, outputs. */
export function simulatedLeg(
  flows: readonly FlowSpec[],
  frame: Frame,
  inPort: number,
  tunnelPorts: number[],
): { steps: TraceStep[]; outputs: TraceOutput[] } {
  const result = simulate(flows, frame, { tunnelPorts });
  const steps: TraceStep[] = [];
  for (const line of result.trace) {
    const cut = line.indexOf(': ');
    const table = line.slice(0, cut) as TableName;
    let tableId: number;
    try {
      tableId = tableNumber(table);
    } catch {
      continue; // a note of the simulator's, not a table
    }
    const reason = line.slice(cut + 2);
    steps.push({ tableId, table, reason: reason === 'miss (drop)' ? missReason(tableId) : reason });
  }
  const outputs = result.deliveries.map((d) => ({
    port: d.port,
    ...(d.port === inPort ? { inPort: true } : {}),
    ...(d.tunnel ? { tunnel: { dst: d.tunnel.dst, key: d.tunnel.id.toString() } } : {}),
  }));
  return { steps, outputs };
}
