// OFPT_ERROR: type and code decoded to ovs-ofctl names, including the experimenter form
// (type 0xffff, exp_code, experimenter id) OVS uses for Nicira and ONF errors.
import { MsgType } from '../constants';
import { errorName, OFPET_EXPERIMENTER } from '../errors';
import type { MessageFamily } from './family';

export const error: MessageFamily = {
  typeCodes: { error: MsgType.ERROR },
  encoders: {
    error(w, m) {
      w.u16(m.errType).u16(m.code);
      if (m.errType === OFPET_EXPERIMENTER) w.u32(m.experimenter ?? 0);
      w.bytes(m.data);
    },
  },
  decoders: {
    [MsgType.ERROR](r, { xid }) {
      const errType = r.u16('error type');
      const code = r.u16('error code');
      if (errType !== OFPET_EXPERIMENTER)
        return {
          type: 'error',
          xid,
          errType,
          code,
          name: errorName(errType, code),
          data: Buffer.from(r.bytes(r.remaining)),
        };
      const experimenter = r.u32('error experimenter');
      return {
        type: 'error',
        xid,
        errType,
        code,
        experimenter,
        name: errorName(errType, code, experimenter),
        data: Buffer.from(r.bytes(r.remaining)),
      };
    },
  },
};
