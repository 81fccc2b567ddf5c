// ROLE_REQUEST / ROLE_REPLY: role (NOCHANGE 0, EQUAL 1, MASTER 2, SLAVE 3) and generation id.
import { MsgType } from '../constants';
import type { MessageFamily } from './family';

export const ControllerRole = { NOCHANGE: 0, EQUAL: 1, MASTER: 2, SLAVE: 3 } as const;

export const role: MessageFamily = {
  typeCodes: { role_request: MsgType.ROLE_REQUEST, role_reply: MsgType.ROLE_REPLY },
  encoders: {
    role_request: (w, m) => void w.u32(m.role).zeros(4).u64(m.generationId),
    role_reply: (w, m) => void w.u32(m.role).zeros(4).u64(m.generationId),
  },
  decoders: {
    [MsgType.ROLE_REQUEST](r, { xid }) {
      const value = r.u32('role');
      r.skip(4);
      return { type: 'role_request', xid, role: value, generationId: r.u64('generation_id') };
    },
    [MsgType.ROLE_REPLY](r, { xid }) {
      const value = r.u32('role');
      r.skip(4);
      return { type: 'role_reply', xid, role: value, generationId: r.u64('generation_id') };
    },
  },
};
