// Names held by requests in flight in this process, each as many times as it is held. The
// dataplane keeps a port off the bridge while its veth is being made, and the stale-link
// sweeps keep off a veth while the request making it runs: both are such holds, released
// once by whoever took them, whatever path the request ends on.

export class Holds {
  private readonly counts = new Map<string, number>();

  /** Holds `name` until the returned release is called; calling it again does nothing. */
  take(name: string): () => void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.counts.get(name) ?? 0) - 1;
      if (left > 0) this.counts.set(name, left);
      else this.counts.delete(name);
    };
  }

  has(name: string): boolean {
    return this.counts.has(name);
  }

  get size(): number {
    return this.counts.size;
  }

  names(): IterableIterator<string> {
    return this.counts.keys();
  }
}
