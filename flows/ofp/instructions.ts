// OpenFlow 1.3 instructions (section 7.2.4).
import { OfpDecodeError, Reader, Writer } from './buffer';
import { InstructionType } from './constants';
import { decodeActions, encodeActions, type Action, type RawAction } from './actions';

export type Instruction =
  | { type: 'goto_table'; table: number }
  | { type: 'write_metadata'; metadata: bigint; mask: bigint }
  | { type: 'write_actions'; actions: Array<Action | RawAction> }
  | { type: 'apply_actions'; actions: Array<Action | RawAction> }
  | { type: 'clear_actions' };

/** The order of execution (OpenFlow 1.3 section 5.9), which OVS also requires on input. */
const ORDER: Record<Instruction['type'], number> = {
  apply_actions: 0,
  clear_actions: 1,
  write_actions: 2,
  write_metadata: 3,
  goto_table: 4,
};

export function canonicalOrder(instructions: readonly Instruction[]): readonly Instruction[] {
  for (let i = 1; i < instructions.length; i++) {
    if (ORDER[(instructions[i - 1] as Instruction).type] > ORDER[(instructions[i] as Instruction).type]) {
      return [...instructions].sort((a, b) => ORDER[a.type] - ORDER[b.type]);
    }
  }
  return instructions;
}

export function encodeInstructions(w: Writer, instructions: readonly Instruction[]): void {
  for (const ins of canonicalOrder(instructions)) {
    const start = w.length;
    switch (ins.type) {
      case 'goto_table':
        w.u16(InstructionType.GOTO_TABLE).u16(8).u8(ins.table).zeros(3);
        break;
      case 'write_metadata':
        w.u16(InstructionType.WRITE_METADATA).u16(24).zeros(4).u64(ins.metadata).u64(ins.mask);
        break;
      case 'clear_actions':
        w.u16(InstructionType.CLEAR_ACTIONS).u16(8).zeros(4);
        break;
      case 'write_actions':
      case 'apply_actions':
        w.u16(ins.type === 'apply_actions' ? InstructionType.APPLY_ACTIONS : InstructionType.WRITE_ACTIONS)
          .u16(0)
          .zeros(4);
        encodeActions(w, ins.actions);
        w.setU16(start + 2, w.length - start);
        break;
    }
  }
}

export function decodeInstructions(r: Reader): Instruction[] {
  const out: Instruction[] = [];
  while (r.remaining > 0) {
    const start = r.offset;
    const type = r.u16('instruction type');
    const len = r.u16('instruction length');
    if (len < 8 || len % 8 !== 0)
      throw new OfpDecodeError(`instruction ${type} has invalid length ${len}`, 'bad_instruction');
    const body = new Reader(r.buf, r.offset, start + len);
    r.skip(len - 4, 'instruction body');
    switch (type) {
      case InstructionType.GOTO_TABLE:
        out.push({ type: 'goto_table', table: body.u8('goto table') });
        break;
      case InstructionType.WRITE_METADATA:
        body.skip(4);
        out.push({ type: 'write_metadata', metadata: body.u64(), mask: body.u64() });
        break;
      case InstructionType.CLEAR_ACTIONS:
        out.push({ type: 'clear_actions' });
        break;
      case InstructionType.APPLY_ACTIONS:
      case InstructionType.WRITE_ACTIONS:
        body.skip(4);
        out.push({
          type: type === InstructionType.APPLY_ACTIONS ? 'apply_actions' : 'write_actions',
          actions: decodeActions(body),
        });
        break;
      default:
        throw new OfpDecodeError(`unknown instruction type ${type}`, 'bad_instruction');
    }
  }
  return out;
}
