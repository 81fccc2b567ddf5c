// How the daemon's heap grows: less than V8 lets a short-lived process grow it, because a
// daemon keeps whatever high-water mark it reaches.
//
// The young generation is held at a few megabytes. V8 doubles the semi-spaces each time a
// scavenge finds much of the new space still alive, up to 16 MiB each, and a busy daemon
// reaches that within minutes and keeps it: in the soak (2,000 cycles) the daemon's RSS
// grew by 22.7 MB with V8's defaults and by 12.8 MB with this cap. Never letting it grow
// (a growth factor of 1 from the start: 11.0 MB) cost more than it saved at a thousand
// endpoints, where a flow check's read-back of the whole table outlived several 1 MiB
// scavenges and was copied and promoted: garbage collection took twice the CPU. So the
// young generation grows as V8 likes up to SEMI_SPACE_CAP_MIB per semi-space and no
// further. The semi-space maximum is fixed when the heap is set up, so the cap is kept by
// switching the growth factor, which V8 reads at each resize: 1 at or above the cap, V8's
// own below it (new space can shrink when idle). Garbage collections are observed to do
// so; a burst that resizes twice before JavaScript runs again can pass the cap by one
// doubling.
//
// The old generation's next full collection is set by V8 from the live size after the last
// one: live times a factor that reaches 4 when collections are cheap next to the program's
// work, as they always are for a daemon serving small requests (and never less than live
// plus 8 MiB). Pages once committed stay with the process, so RSS follows the highest point:
// the soak's daemon, 10 MB live, was let grow to 43 MB before its first full collection
// (`--trace-gc-verbose`). The factor is held at 1.5 (OLD_GROWTH_PERCENT; V8 reads it at each
// collection): the soak's growth went from 12-15 MB to 10.5 with the daemon's CPU time the
// same, and at larger heaps the headroom is half the live size instead of three times it.
// (Starting full collections from here at 4 MiB past the live size saved another half
// megabyte but paused the event loop 12-45 ms each time, since a forced collection is not
// incremental: not kept.)
//
// The "live plus 8 MiB" floor is most of the headroom while the heap is small, as a daemon
// with tens of endpoints has. V8's memory-saving mode (`--optimize-for-size`, read at each
// collection) lowers that floor to 2 MiB and the factor to at most 1.3; the daemon turns it
// on while old space is under SMALL_HEAP_MIB: the soak's growth went from 10.5-11.4 MB to
// 9.5-10.5 with the daemon's CPU time the same. Left on at a thousand endpoints (old space
// 32-45 MiB) it cost the daemon 45% more CPU while idle (more full collections, and
// pauses up to 130 ms), so past the threshold V8 has its usual mode back.
//
// Set at run time the mode does less than given to node at start: whatever V8 decides from
// it while setting the heap up (the one implication it prints is a 1 MiB semi-space
// maximum, and that cap set at run time did not reproduce it) is lost. The soak grew by
// 4.9-5.9 MB with the daemon started as `node --optimize-for-size` against 9.0-11.0 with
// the mode turned on here only, and bench:observe's CPU stayed where it was (the mode
// still goes off past SMALL_HEAP_MIB). So every launcher of the daemon passes
// DAEMON_NODE_FLAGS: the `ovsnet` shebang, `npm start`, the tests and benches (the lab reads
// them from the shebang).
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/** node's flags for a daemon's process; main.ts's shebang and package.json's start carry them too. */
export const DAEMON_NODE_FLAGS: readonly string[] = ['--optimize-for-size'];

/** The largest semi-space the daemon lets V8 grow to. */
export const SEMI_SPACE_CAP_MIB = 2;
/** How far past the live size the old generation may grow before a full collection, in percent. */
export const OLD_GROWTH_PERCENT = 50;
const DEFAULT_GROWTH_FACTOR = 2;

/** Below this old-generation size the daemon asks V8 to favour memory over speed. */
export const SMALL_HEAP_MIB = 24;

/** The current sizes, in MiB, of one semi-space (new space is two of them) and of old space. */
function spaceSizesMib(): { semi: number; old: number } {
  const spaces = getHeapSpaceStatistics();
  const size = (name: string): number => (spaces.find((s) => s.space_name === name)?.space_size ?? 0) / 1048576;
  return { semi: size('new_space') / 2, old: size('old_space') };
}

/**
 * Keeps the cap for the life of the process: after garbage collections (new space is
 * resized by one) the settings are worked out again, and handed to V8 only when they
 * change, since at scale scavenges come many times a second.
 */
export function keepHeapSmall(capMib = SEMI_SPACE_CAP_MIB, smallHeapMib = SMALL_HEAP_MIB): void {
  setFlagsFromString(`--heap-growing-percent=${OLD_GROWTH_PERCENT}`);
  let factor: number | undefined;
  let small: boolean | undefined;
  const hold = (): void => {
    const sizes = spaceSizesMib();
    const nextSmall = sizes.old < smallHeapMib;
    const nextFactor = sizes.semi >= capMib ? 1 : DEFAULT_GROWTH_FACTOR;
    if (nextFactor !== factor) {
      setFlagsFromString(`--semi-space-growth-factor=${nextFactor}`);
      factor = nextFactor;
    }
    if (nextSmall !== small) {
      setFlagsFromString(nextSmall ? '--optimize-for-size' : '--no-optimize-for-size');
      small = nextSmall;
    }
  };
  hold();
  new PerformanceObserver(hold).observe({ entryTypes: ['gc'] });
}
