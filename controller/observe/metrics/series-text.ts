// The per-endpoint series written as bytes. At a thousand endpoints a scrape is six
// thousand lines; built as strings (a template per line, then joined) they made 2.2 MB of
// garbage per scrape, and collecting it was over half of what scraping cost the daemon.
// Here each series' name and labels, everything before its value, is encoded once and kept
// while its endpoint lasts (SeriesPrefixes); a scrape copies those bytes and writes the
// values' digits straight into one buffer outside the JavaScript heap.

/** The bytes up to the value of each series of one endpoint, in the order they are written. */
export type Prefixes = readonly Buffer[];

/** An endpoint's prefixes and the last scrape that asked for them. */
interface Kept {
  prefixes: Prefixes;
  scrape: number;
}

/**
 * Prefixes by network and container name, kept from one scrape to the next. `begin` starts
 * a scrape; those not asked for during the one before are dropped then, so an endpoint's
 * bytes go when it does. Each entry is marked with the last scrape that asked for it, in
 * place: a scrape builds no new maps (it did, and they were a good part of its garbage).
 * Looked up by the two names as they are (no key built per lookup).
 */
export class SeriesPrefixes {
  private readonly byNetwork = new Map<string, Map<string, Kept>>();
  private scrape = 0;

  begin(): void {
    // forEach: a for-of over entries makes a pair per entry, thousands per scrape.
    this.byNetwork.forEach((inNetwork, network) => {
      inNetwork.forEach((entry, container) => {
        if (entry.scrape < this.scrape) inNetwork.delete(container);
      });
      if (inNetwork.size === 0) this.byNetwork.delete(network);
    });
    this.scrape++;
  }

  /**
   * The prefixes of `container` on `network`, made by `make` when new (given the two names:
   * one function for every lookup, not a closure per endpoint per scrape).
   */
  get(network: string, container: string, make: (network: string, container: string) => Prefixes): Prefixes {
    let inNetwork = this.byNetwork.get(network);
    if (!inNetwork) this.byNetwork.set(network, (inNetwork = new Map<string, Kept>()));
    const entry = inNetwork.get(container);
    if (entry) {
      entry.scrape = this.scrape;
      return entry.prefixes;
    }
    const prefixes = make(network, container);
    inNetwork.set(container, { prefixes, scrape: this.scrape });
    return prefixes;
  }

  /** Endpoints asked for during this scrape. */
  get size(): number {
    let n = 0;
    for (const inNetwork of this.byNetwork.values())
      for (const entry of inNetwork.values()) if (entry.scrape === this.scrape) n++;
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
