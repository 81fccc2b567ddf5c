// The kernel keeps one ARP table (and one IPv6 neighbour table) for all its network
// namespaces, and refuses new entries beyond gc_thresh3 (1024 by default) while the old
// ones are fresh ("neighbor table overflow!" in the kernel log). Three real hosts each have
// a table of their own; the lab's three share this machine's, and the benchmark's 300
// endpoints and three probes resolving each other need more than 1024 entries. An
// endpoint whose ARP was refused tries again only after its one-second retransmit time,
// which the benchmark then measured as the overlay's. For the run, the limits are raised
// as three hosts' tables together would be, and what was there is put back afterwards
// (also when the run is killed).
import { readFileSync, writeFileSync } from 'node:fs';
import { onEmergency } from '../../harness/ledger';

const FAMILIES = ['ipv4', 'ipv6'] as const;
/** Per family, what the run needs at most: four to eight times one host's defaults. */
const RAISED = { gc_thresh1: 1024, gc_thresh2: 4096, gc_thresh3: 8192 };

interface Changed {
  file: string;
  was: string;
}

/** Raises the limits that are lower than the run needs; returns what puts them back. */
export function raiseNeighbourLimits(log: (line: string) => void): () => void {
  const changed: Changed[] = [];
  const restore = (): void => {
    for (const { file, was } of changed.splice(0)) writeFileSync(file, was);
  };
  const unregister = onEmergency(restore);
  for (const family of FAMILIES)
    for (const [limit, wanted] of Object.entries(RAISED)) {
      const file = `/proc/sys/net/${family}/neigh/default/${limit}`;
      const was = readFileSync(file, 'utf8').trim();
      if (Number(was) >= wanted) continue;
      writeFileSync(file, String(wanted));
      changed.push({ file, was });
      log(`kernel neighbour table (${family}, shared by the lab's hosts): ${limit} ${was} -> ${wanted} for the run`);
    }
  return () => {
    restore();
    unregister();
  };
}
