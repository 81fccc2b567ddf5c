// Picks free numbers for the objects the stores create: network tags, OpenFlow port
// numbers and MAC addresses. Allocators only read; the index key of what they pick
// (`tag/<n>`, `ofport/<n>`, `mac/<net>/<mac>`) is claimed by the caller's own transaction
// with a "still absent" compare, so two requests that pick the same number cannot both
// commit: the loser's attempt runs again and picks another (see cas.ts).
//
// By nature: OpenFlow port numbers are host-local (one bridge's numbering); MACs are
// cluster-wide (unique within a network, wherever its endpoints run); network tags are
// stored with the network today, though they only name it in one host's pipeline.
import { createHash, randomInt } from 'node:crypto';
import { ControllerError } from '../errors';
import type { KvStore } from '../store/kv';
import {
  FIRST_ALLOCATED_VNI,
  FIRST_CONTROLLER_OFPORT,
  keys,
  LAST_CONTROLLER_OFPORT,
  MAX_NETWORK_TAG,
  MAX_VNI,
} from './records';

const OFPORT_RANGE = LAST_CONTROLLER_OFPORT - FIRST_CONTROLLER_OFPORT + 1;

/** The lowest network tag no network holds. */
export async function freeTag(store: KvStore): Promise<number> {
  const used = new Set((await store.list(keys.tags())).map((e) => Number(e.key.slice(keys.tags().length))));
  for (let tag = 1; tag <= MAX_NETWORK_TAG; tag++) if (!used.has(tag)) return tag;
  throw new ControllerError('EXHAUSTED', `all ${MAX_NETWORK_TAG} network tags are in use`);
}

/**
 * A VNI no network holds, from FIRST_ALLOCATED_VNI up (the numbers below are left to
 * `-o ovsnet.vni`, so a chosen VNI rarely meets an allocated one). Probing starts at a random
 * point so hosts creating networks at once seldom pick the same one.
 */
export async function freeVni(store: KvStore): Promise<number> {
  const used = new Set((await store.list(keys.vnis())).map((e) => Number(e.key.slice(keys.vnis().length))));
  const range = MAX_VNI - FIRST_ALLOCATED_VNI + 1;
  const start = randomInt(range);
  for (let i = 0; i < range; i++) {
    const vni = FIRST_ALLOCATED_VNI + ((start + i) % range);
    if (!used.has(vni)) return vni;
  }
  throw new ControllerError('EXHAUSTED', 'every VNI is in use');
}

/**
 * A free OpenFlow port number. Probing starts at a point derived from the owner, so
 * concurrent requests rarely race for the same number (and a retry finds the same one).
 */
export async function freeOfport(store: KvStore, owner: string): Promise<number> {
  const start = createHash('sha256').update(owner).digest().readUInt32BE(0) % OFPORT_RANGE;
  return (await freeOfports(store, start, 1))[0] as number;
}

/** `count` free OpenFlow port numbers of the controller range, probing from a random point. */
export async function freeOfportsAnywhere(store: KvStore, count: number): Promise<number[]> {
  return freeOfports(store, randomInt(OFPORT_RANGE), count);
}

/** `count` free OpenFlow port numbers of the controller range, probing from `start`. */
async function freeOfports(store: KvStore, start: number, count: number): Promise<number[]> {
  const used = new Set((await store.list(keys.ofports())).map((e) => Number(e.key.slice(keys.ofports().length))));
  const free: number[] = [];
  for (let i = 0; i < OFPORT_RANGE && free.length < count; i++) {
    const port = FIRST_CONTROLLER_OFPORT + ((start + i) % OFPORT_RANGE);
    if (!used.has(port)) free.push(port);
  }
  if (free.length < count)
    throw new ControllerError('EXHAUSTED', 'every OpenFlow port number of the controller range is in use');
  return free;
}

/**
 * A MAC derived from the IPv4 address, as Docker's bridge does: a container restarted
 * with the same address keeps its MAC, so its peers' ARP caches stay right. Without an
 * IPv4 address, one derived from the endpoint id (a retried request gets the same one).
 */
export async function freeMac(store: KvStore, networkId: string, endpointId: string, ipv4?: string): Promise<string> {
  if (ipv4 !== undefined) {
    const octets = (ipv4.split('/')[0] as string).split('.').map((o) => Number(o).toString(16).padStart(2, '0'));
    const mac = ['02', '4f', ...octets].join(':');
    if (!(await store.get(keys.mac(networkId, mac)))) return mac;
  }
  for (let salt = 0; salt < 100; salt++) {
    const digest = createHash('sha256').update(`${networkId}/${endpointId}/${salt}`).digest();
    const mac = ['02', ...[...digest.subarray(0, 5)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
    if (!(await store.get(keys.mac(networkId, mac)))) return mac;
  }
  throw new ControllerError('INTERNAL', `could not find a free MAC address for endpoint "${endpointId}"`);
}
