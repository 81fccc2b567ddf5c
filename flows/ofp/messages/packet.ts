// PACKET_IN (switch -> controller) and PACKET_OUT (controller -> switch).
import { encodeActions, decodeActions } from '../actions';
import { MsgType } from '../constants';
import { decodeMatch, encodeMatch, knownFields } from '../match';
import type { MessageFamily } from './family';

export const packet: MessageFamily = {
  typeCodes: { packet_in: MsgType.PACKET_IN, packet_out: MsgType.PACKET_OUT },
  encoders: {
    packet_in(w, m) {
      w.u32(m.bufferId).u16(m.totalLen).u8(m.reason).u8(m.tableId).u64(m.cookie);
      encodeMatch(w, knownFields(m.match));
      w.zeros(2).bytes(m.data);
    },
    packet_out(w, m) {
      w.u32(m.bufferId).u32(m.inPort);
      const lengthAt = w.length;
      w.u16(0).zeros(6);
      const start = w.length;
      encodeActions(w, m.actions);
      w.setU16(lengthAt, w.length - start);
      w.bytes(m.data);
    },
  },
  decoders: {
    [MsgType.PACKET_IN](r, { xid }) {
      const bufferId = r.u32('buffer_id');
      const totalLen = r.u16('total_len');
      const reason = r.u8('reason');
      const tableId = r.u8('table_id');
      const cookie = r.u64('cookie');
      const match = decodeMatch(r);
      r.skip(2);
      return {
        type: 'packet_in',
        xid,
        bufferId,
        totalLen,
        reason,
        tableId,
        cookie,
        match,
        data: Buffer.from(r.bytes(r.remaining)),
      };
    },
    [MsgType.PACKET_OUT](r, { xid }) {
      const bufferId = r.u32('buffer_id');
      const inPort = r.u32('in_port');
      const actionsLen = r.u16('actions_len');
      r.skip(6);
      const actions = decodeActions(r.sub(actionsLen, 'packet_out actions'));
      return { type: 'packet_out', xid, bufferId, inPort, actions, data: Buffer.from(r.bytes(r.remaining)) };
    },
  },
};
