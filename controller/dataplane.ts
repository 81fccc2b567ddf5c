// What the network service needs from the switch side, kept narrow so the service can be
// tested and reasoned about apart from OVSDB and OpenFlow. The OVS implementation
// reconciles ports (OVSDB) and flows (OpenFlow) from the registry's desired state.

export interface Dataplane {
  /** Desired state changed: reconcile soon (coalesced). */
  kick(): void;
  /**
   * Resolves once the endpoint's port is on the bridge with its ofport and every flow
   * of the current desired state is installed; rejects with a clear error on timeout or
   * when OVS reports an error for the interface.
   */
  waitEndpointReady(networkId: string, endpointId: string, timeoutMs: number): Promise<void>;
  /** Waits until the named ports are on the bridge and realised; returns those that failed. */
  waitPortsRealised(names: string[], timeoutMs: number): Promise<string[]>;
  /**
   * Keeps the named port off the bridge until the returned release is called, even while an
   * endpoint stored as plugged owns it: its link is still being made (a port added for a
   * missing link is an error in OVS until the link appears). Its flows may go in meanwhile.
   */
  holdPort(name: string): () => void;
  /** Resolves once the switch holds the current desired state (ports and flows). */
  waitSynced(timeoutMs: number): Promise<void>;
}
