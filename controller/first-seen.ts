// When each member of a changing set was first seen in it. Both the port admission (are
// joins about to come?) and the leftover reclaimer (has this endpoint been unjoined too
// long?) ask how long an endpoint has been unjoined, as seen by this process.

export class FirstSeen {
  private readonly since = new Map<string, number>();

  /** Takes the current members; those no longer present are forgotten. Returns every member's first sighting. */
  observe(members: Iterable<string>, now: number): ReadonlyMap<string, number> {
    const current = new Set(members);
    for (const id of this.since.keys()) if (!current.has(id)) this.since.delete(id);
    for (const id of current) if (!this.since.has(id)) this.since.set(id, now);
    return this.since;
  }

  /** Forgets a member at once (it was removed; if it comes back it is new). */
  forget(id: string): void {
    this.since.delete(id);
  }
}
