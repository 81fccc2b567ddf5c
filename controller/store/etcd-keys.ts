// How the cluster store's keys and values look inside etcd: every key lives under one root
// prefix (so several clusters, or tests, can share an etcd), and values are JSON.
import type { IKeyValue } from 'etcd3';
import { ControllerError } from '../errors';
import { deepFreeze } from './freeze';
import type { KvEntry } from './kv';

export class EtcdKeyspace {
  /** The etcd prefix of every key, ending in '/': `/ovsnet` holds `net/a` as `/ovsnet/net/a`. */
  readonly root: string;

  constructor(prefix: string) {
    this.root = prefix.endsWith('/') ? prefix : `${prefix}/`;
  }

  key(key: string): Buffer {
    return Buffer.from(this.root + key);
  }

  /** The etcd range [key, range_end) that holds exactly the keys starting with prefix. */
  range(prefix: string): { key: Buffer; range_end: Buffer } {
    const key = this.key(prefix);
    return { key, range_end: prefixEnd(key) };
  }

  unkey(etcdKey: Buffer): string {
    return etcdKey.toString('utf8').slice(this.root.length);
  }

  entry(kv: IKeyValue): KvEntry {
    const key = this.unkey(kv.key);
    return { key, value: decodeValue(key, kv.value), revision: Number(kv.mod_revision) };
  }
}

/**
 * The smallest key greater than every key with this prefix (etcd's convention for ranges).
 * Keys are UTF-8, which never holds the byte 0xff, so the last byte can always go up by one.
 */
function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  end[end.length - 1] = end[end.length - 1]! + 1;
  return end;
}

export function encodeValue(key: string, value: unknown): Buffer {
  const json = JSON.stringify(value) as string | undefined;
  if (json === undefined) throw new ControllerError('INTERNAL', `cannot store ${String(value)} at ${key}: not JSON`);
  return Buffer.from(json);
}

export function decodeValue(key: string, raw: Buffer): unknown {
  try {
    return deepFreeze(JSON.parse(raw.toString('utf8')) as unknown);
  } catch {
    throw new ControllerError('INTERNAL', `the cluster store holds a value that is not JSON at ${key}`);
  }
}

/** Keys compare as JavaScript strings everywhere in the controller, as FileKvStore sorts them. */
export function byKey(a: KvEntry, b: KvEntry): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}
