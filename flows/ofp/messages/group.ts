// GROUP_MOD: command, group type, id, and buckets of actions (OpenFlow 1.3 section 7.3.4.2).
import { OfpDecodeError } from '../buffer';
import { decodeActions, encodeActions } from '../actions';
import { GROUP_ANY, MsgType, Port } from '../constants';
import type { GroupType, MessageOf } from '../types';
import type { MessageFamily } from './family';

const COMMANDS = ['add', 'modify', 'delete'] as const;
const TYPES: GroupType[] = ['all', 'select', 'indirect', 'ff'];
const BUCKET_HEADER = 16;

export const group: MessageFamily = {
  typeCodes: { group_mod: MsgType.GROUP_MOD },
  encoders: {
    group_mod(w, m) {
      w.u16(COMMANDS.indexOf(m.command)).u8(TYPES.indexOf(m.groupType)).zeros(1).u32(m.groupId);
      for (const bucket of m.buckets) {
        const start = w.length;
        w.u16(0)
          .u16(bucket.weight ?? 0)
          .u32(bucket.watchPort ?? Port.ANY)
          .u32(bucket.watchGroup ?? GROUP_ANY)
          .zeros(4);
        encodeActions(w, bucket.actions);
        w.setU16(start, w.length - start);
      }
    },
  },
  decoders: {
    [MsgType.GROUP_MOD](r, { xid }): MessageOf<'group_mod'> {
      const commandCode = r.u16('group command');
      const typeCode = r.u8('group type');
      r.skip(1);
      const groupId = r.u32('group_id');
      const command = COMMANDS[commandCode];
      const groupType = TYPES[typeCode];
      if (command === undefined)
        throw new OfpDecodeError(`group_mod command ${commandCode} is unknown`, 'bad_group_mod_command');
      if (groupType === undefined) throw new OfpDecodeError(`group type ${typeCode} is unknown`, 'bad_group_type');
      const buckets: MessageOf<'group_mod'>['buckets'] = [];
      while (r.remaining > 0) {
        const len = r.u16('bucket length');
        if (len < BUCKET_HEADER || len % 8 !== 0)
          throw new OfpDecodeError(`bucket length ${len} is invalid`, 'bad_length');
        const bucket = r.sub(len - 2, 'bucket');
        const weight = bucket.u16('weight');
        const watchPort = bucket.u32('watch_port');
        const watchGroup = bucket.u32('watch_group');
        bucket.skip(4);
        buckets.push({
          ...(weight !== 0 ? { weight } : {}),
          ...(watchPort !== Port.ANY ? { watchPort } : {}),
          ...(watchGroup !== GROUP_ANY ? { watchGroup } : {}),
          actions: decodeActions(bucket),
        });
      }
      return { type: 'group_mod', xid, command, groupType, groupId, buckets };
    },
  },
};
