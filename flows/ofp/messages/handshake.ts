// Session-level messages: HELLO (version bitmap), ECHO, FEATURES, GET/SET_CONFIG, BARRIER.
import { OfpDecodeError } from '../buffer';
import { MsgType } from '../constants';
import type { MessageFamily } from './family';

const OFPHET_VERSIONBITMAP = 1;

export const handshake: MessageFamily = {
  typeCodes: {
    hello: MsgType.HELLO,
    echo_request: MsgType.ECHO_REQUEST,
    echo_reply: MsgType.ECHO_REPLY,
    features_request: MsgType.FEATURES_REQUEST,
    features_reply: MsgType.FEATURES_REPLY,
    get_config_request: MsgType.GET_CONFIG_REQUEST,
    get_config_reply: MsgType.GET_CONFIG_REPLY,
    set_config: MsgType.SET_CONFIG,
    barrier_request: MsgType.BARRIER_REQUEST,
    barrier_reply: MsgType.BARRIER_REPLY,
  },
  encoders: {
    hello(w, m) {
      if (m.versions.length === 0) return;
      const words = Math.floor(Math.max(...m.versions) / 32) + 1;
      const bitmaps = new Array<number>(words).fill(0);
      for (const v of m.versions) bitmaps[v >> 5] = ((bitmaps[v >> 5] ?? 0) | (1 << (v & 31))) >>> 0;
      const start = w.length;
      w.u16(OFPHET_VERSIONBITMAP).u16(4 + 4 * words);
      for (const bits of bitmaps) w.u32(bits);
      w.padTo(8, start);
    },
    echo_request: (w, m) => void w.bytes(m.data),
    echo_reply: (w, m) => void w.bytes(m.data),
    features_request: () => undefined,
    features_reply(w, m) {
      w.u64(m.datapathId).u32(m.nBuffers).u8(m.nTables).u8(m.auxiliaryId).zeros(2).u32(m.capabilities).u32(0);
    },
    get_config_request: () => undefined,
    get_config_reply: (w, m) => void w.u16(m.flags).u16(m.missSendLen),
    set_config: (w, m) => void w.u16(m.flags).u16(m.missSendLen),
    barrier_request: () => undefined,
    barrier_reply: () => undefined,
  },
  decoders: {
    [MsgType.HELLO](r, { xid, version }) {
      const versions: number[] = [];
      while (r.remaining >= 4) {
        const elemType = r.u16('hello element type');
        const elemLen = r.u16('hello element length');
        if (elemLen < 4) throw new OfpDecodeError(`hello element length ${elemLen} is too short`, 'bad_length');
        // Elements are padded to 8 bytes; the padding of the last one may be missing.
        const elem = r.sub(Math.min(((elemLen + 7) & ~7) - 4, r.remaining), 'hello element');
        if (elemType !== OFPHET_VERSIONBITMAP) continue;
        for (let word = 0; word < Math.floor((elemLen - 4) / 4); word++) {
          const bits = elem.u32('version bitmap');
          for (let b = 0; b < 32; b++) if ((bits >>> b) & 1) versions.push(word * 32 + b);
        }
      }
      return version === 0x04
        ? { type: 'hello', xid, versions }
        : { type: 'hello', xid, versions, headerVersion: version };
    },
    [MsgType.ECHO_REQUEST]: (r, { xid }) => ({ type: 'echo_request', xid, data: Buffer.from(r.bytes(r.remaining)) }),
    [MsgType.ECHO_REPLY]: (r, { xid }) => ({ type: 'echo_reply', xid, data: Buffer.from(r.bytes(r.remaining)) }),
    [MsgType.FEATURES_REQUEST]: (_r, { xid }) => ({ type: 'features_request', xid }),
    [MsgType.FEATURES_REPLY](r, { xid }) {
      const datapathId = r.u64('datapath_id');
      const nBuffers = r.u32('n_buffers');
      const nTables = r.u8('n_tables');
      const auxiliaryId = r.u8('auxiliary_id');
      r.skip(2);
      const capabilities = r.u32('capabilities');
      r.skip(4, 'reserved');
      return { type: 'features_reply', xid, datapathId, nBuffers, nTables, auxiliaryId, capabilities };
    },
    [MsgType.GET_CONFIG_REQUEST]: (_r, { xid }) => ({ type: 'get_config_request', xid }),
    [MsgType.GET_CONFIG_REPLY]: (r, { xid }) => ({
      type: 'get_config_reply',
      xid,
      flags: r.u16('config flags'),
      missSendLen: r.u16('miss_send_len'),
    }),
    [MsgType.SET_CONFIG]: (r, { xid }) => ({
      type: 'set_config',
      xid,
      flags: r.u16('config flags'),
      missSendLen: r.u16('miss_send_len'),
    }),
    [MsgType.BARRIER_REQUEST]: (_r, { xid }) => ({ type: 'barrier_request', xid }),
    [MsgType.BARRIER_REPLY]: (_r, { xid }) => ({ type: 'barrier_reply', xid }),
  },
};
