// The per-endpoint series written as bytes. At a thousand endpoints a scrape is six
// thousand lines; built as strings (a template per line, then joined) they made 2.2 MB of
// garbage per scrape, and collecting it was over half of what scraping cost the daemon.
// Here each series' name and labels, everything before its value, is encoded once and kept
// while its endpoint lasts (SeriesPrefixes); a scrape copies those bytes and writes the
// values' digits straight into one buffer outside the JavaScript heap.

/** The bytes up to the value of each series of one endpoint, in the order they are written. */
export type Prefixes = readonly Buffer[];

/**
 * Prefixes by network and container name, kept from one scrape to the next. `begin` starts
 * a scrape; those not asked for during it are dropped at the next `begin`, so an endpoint's
 * bytes go when it does. Looked up by the two names as they are (no key built per lookup).
 */
export class SeriesPrefixes {
  private kept = new Map<string, Map<string, Prefixes>>();
  private next = new Map<string, Map<string, Prefixes>>();

  begin(): void {
    this.kept = this.next;
    this.next = new Map();
  }

  /** The prefixes of `container` on `network`, made by `make` when new. */
  get(network: string, container: string, make: () => Prefixes): Prefixes {
    let inNetwork = this.next.get(network);
    if (!inNetwork) this.next.set(network, (inNetwork = new Map<string, Prefixes>()));
    const prefixes = inNetwork.get(container) ?? this.kept.get(network)?.get(container) ?? make();
    inNetwork.set(container, prefixes);
    return prefixes;
  }

  get size(): number {
    let n = 0;
    for (const inNetwork of this.next.values()) n += inNetwork.size;
    return n;
  }
}

/** Longest text of a counter value: 20 digits (2^64) and the newline. */
export const MAX_VALUE_BYTES = 21;

const ZERO = 0x30;
const NEWLINE = 0x0a;

/**
 * Writes a counter's decimal digits and a newline at `offset`; returns the offset after.
 * Whole numbers up to 2^53 are written digit by digit, anything else as JavaScript prints it.
 */
export function writeValue(out: Buffer, offset: number, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    offset += out.write(String(value), offset, 'latin1');
    out[offset] = NEWLINE;
    return offset + 1;
  }
  let digits = 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  let at = offset + digits - 1;
  let rest = value;
  do {
    out[at--] = ZERO + (rest % 10);
    rest = Math.floor(rest / 10);
  } while (rest > 0);
  out[offset + digits] = NEWLINE;
  return offset + digits + 1;
}
