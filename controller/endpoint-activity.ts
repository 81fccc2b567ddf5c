// When Docker last called about each endpoint, as seen by this process. The leftover
// sweeps judge an endpoint by how long it has looked abandoned; a call about it (a
// CreateEndpoint or Join retried across an ovsnet restart, which Docker makes with growing
// back-off for up to half a minute) shows Docker is still working on it, so its wait
// starts again from there.

export class EndpointActivity {
  private readonly last = new Map<string, number>();

  touch(networkId: string, endpointId: string, now: number): void {
    this.last.set(endpointKey(networkId, endpointId), now);
  }

  /** When Docker last called about the endpoint, if it has since this process started. */
  lastCall(networkId: string, endpointId: string): number | undefined {
    return this.last.get(endpointKey(networkId, endpointId));
  }

  /** When an endpoint first seen abandoned at `firstSeen` started waiting: Docker's last call restarts it. */
  waitingSince(networkId: string, endpointId: string, firstSeen: number): number {
    return Math.max(firstSeen, this.lastCall(networkId, endpointId) ?? firstSeen);
  }

  forget(networkId: string, endpointId: string): void {
    this.last.delete(endpointKey(networkId, endpointId));
  }
}

/** "network/endpoint": how the sweeps and this record name an endpoint. */
export function endpointKey(networkId: string, endpointId: string): string {
  return `${networkId}/${endpointId}`;
}
