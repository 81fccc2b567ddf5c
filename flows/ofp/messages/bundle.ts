// The ONF bundle extension for OpenFlow 1.3 (EXT-230), carried in OFPT_EXPERIMENTER:
// BUNDLE_CONTROL (2300) opens/closes/commits/discards, BUNDLE_ADD_MESSAGE (2301) carries one
// complete inner message whose xid equals the outer one. Other experimenter messages are
// kept raw as 'unknown'.
import { OfpDecodeError } from '../buffer';
import { MsgType, ONF_VENDOR_ID, OnfBundle } from '../constants';
import type { MessageFamily } from './family';

export const bundle: MessageFamily = {
  typeCodes: { bundle_control: MsgType.EXPERIMENTER, bundle_add: MsgType.EXPERIMENTER },
  encoders: {
    bundle_control(w, m) {
      w.u32(ONF_VENDOR_ID).u32(OnfBundle.CONTROL).u32(m.bundleId).u16(m.ctrlType).u16(m.flags);
    },
    bundle_add(w, m, nested, xid) {
      w.u32(ONF_VENDOR_ID).u32(OnfBundle.ADD_MESSAGE).u32(m.bundleId).zeros(2).u16(m.flags);
      nested.encodeInto(w, m.message, xid);
    },
  },
  decoders: {
    [MsgType.EXPERIMENTER](r, { xid, type }, nested) {
      const experimenter = r.u32('experimenter id');
      const expType = r.u32('experimenter type');
      if (experimenter === ONF_VENDOR_ID && expType === OnfBundle.CONTROL) {
        const bundleId = r.u32('bundle_id');
        const ctrlType = r.u16('bundle control type');
        const flags = r.u16('bundle flags');
        return { type: 'bundle_control', xid, bundleId, ctrlType, flags };
      }
      if (experimenter === ONF_VENDOR_ID && expType === OnfBundle.ADD_MESSAGE) {
        const bundleId = r.u32('bundle_id');
        r.skip(2);
        const flags = r.u16('bundle flags');
        const inner = nested.decode(Buffer.from(r.bytes(r.remaining, 'bundled message')));
        if (inner instanceof OfpDecodeError) throw new OfpDecodeError(`bundled message: ${inner.message}`, inner.kind);
        return { type: 'bundle_add', xid, bundleId, flags, message: inner };
      }
      r.offset -= 8;
      return { type: 'unknown', xid, msgType: type, body: Buffer.from(r.bytes(r.remaining)) };
    },
  },
};
