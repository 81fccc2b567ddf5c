// METER_MOD: command, flags, id, and rate bands (OpenFlow 1.3 section 7.3.4.4).
import { OfpDecodeError } from '../buffer';
import { MsgType } from '../constants';
import type { MeterBand, MessageOf } from '../types';
import type { MessageFamily } from './family';

const COMMANDS = ['add', 'modify', 'delete'] as const;
const BAND_TYPES: Record<MeterBand['type'], number> = { drop: 1, dscp_remark: 2 };
const BAND_LEN = 16;

export const meter: MessageFamily = {
  typeCodes: { meter_mod: MsgType.METER_MOD },
  encoders: {
    meter_mod(w, m) {
      w.u16(COMMANDS.indexOf(m.command)).u16(m.flags).u32(m.meterId);
      for (const band of m.bands) {
        w.u16(BAND_TYPES[band.type]).u16(BAND_LEN).u32(band.rate).u32(band.burstSize);
        if (band.type === 'dscp_remark') w.u8(band.precLevel ?? 0).zeros(3);
        else w.zeros(4);
      }
    },
  },
  decoders: {
    [MsgType.METER_MOD](r, { xid }): MessageOf<'meter_mod'> {
      const commandCode = r.u16('meter command');
      const command = COMMANDS[commandCode];
      if (command === undefined)
        throw new OfpDecodeError(`meter_mod command ${commandCode} is unknown`, 'bad_meter_mod_command');
      const flags = r.u16('meter flags');
      const meterId = r.u32('meter_id');
      const bands: MeterBand[] = [];
      while (r.remaining > 0) {
        const typeCode = r.u16('band type');
        const len = r.u16('band length');
        if (len !== BAND_LEN) throw new OfpDecodeError(`meter band length ${len} is not ${BAND_LEN}`, 'bad_length');
        const rate = r.u32('band rate');
        const burstSize = r.u32('band burst_size');
        if (typeCode === BAND_TYPES.dscp_remark) {
          const precLevel = r.u8('prec_level');
          r.skip(3);
          bands.push({ type: 'dscp_remark', rate, burstSize, precLevel });
        } else if (typeCode === BAND_TYPES.drop) {
          r.skip(4);
          bands.push({ type: 'drop', rate, burstSize });
        } else {
          throw new OfpDecodeError(`meter band type ${typeCode} is unknown`, 'bad_meter_band');
        }
      }
      return { type: 'meter_mod', xid, command, flags, meterId, bands };
    },
  },
};
