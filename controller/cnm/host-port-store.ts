// Published host ports: `hostport/<proto>/<port>` index keys, each holding the id of the
// one endpoint whose container port it maps to, beside the bindings in that endpoint's
// record (`ports`). Publishing replaces an endpoint's bindings and their index keys in one
// transaction, so two endpoints never hold the same host port and a refused request
// changes nothing; publishing the same request again keeps the same ports. Which port an
// "any" or a range becomes is decided in host-ports.ts. Deleting the endpoint frees its
// ports (see `heldHostPortKeys`).
//
// Host-local by nature: a host port is a port of one host's addresses.
import type { CasCommitter } from './cas';
import type { EndpointStore } from './endpoints';
import { chooseHostPorts } from './host-ports';
import { keys, type EndpointRecord } from './records';
import type { PortBinding } from './types';

/** The index keys of the host ports `endpoint` holds, to delete with it. */
export function heldHostPortKeys(endpoint: EndpointRecord): string[] {
  return (endpoint.ports ?? []).map((p) => keys.hostPort(p.proto, p.hostPort));
}

export class HostPortStore {
  constructor(
    private readonly cas: CasCommitter,
    private readonly endpoints: EndpointStore,
  ) {}

  /**
   * Publishes an endpoint's ports, replacing what it published before: "any" and ranges
   * become concrete host ports, never one in `busyOnHost` ("tcp/8080") unless asked for by
   * number. Returns the bindings as published.
   */
  async publish(
    networkId: string,
    endpointId: string,
    requested: PortBinding[],
    busyOnHost?: ReadonlySet<string>,
  ): Promise<PortBinding[]> {
    return this.cas.commit<PortBinding[]>(async () => {
      const { entry, record: before } = await this.endpoints.requireEntry(networkId, endpointId);
      const current = (before.ports ?? []) as PortBinding[];
      const held = new Map((await this.cas.store.list(keys.hostPorts())).map((e) => [e.key, e]));
      const chosen = chooseHostPorts(
        endpointId,
        requested,
        current,
        (proto, port) => held.get(keys.hostPort(proto, port))?.value as string | undefined,
        (proto, port) => busyOnHost?.has(`${proto}/${port}`) ?? false,
      );
      if (JSON.stringify(chosen) === JSON.stringify(current)) return { done: current };
      const { ports: _old, ...rest } = before;
      void _old;
      const after: EndpointRecord = chosen.length > 0 ? { ...rest, ports: chosen } : rest;
      const wanted = new Set(chosen.map((p) => keys.hostPort(p.proto, p.hostPort)));
      const compares = [{ key: entry.key, revision: entry.revision }];
      const puts: Array<{ key: string; value: unknown }> = [{ key: entry.key, value: after }];
      for (const key of wanted) {
        const holder = held.get(key);
        if (holder?.value === endpointId) continue;
        compares.push({ key, revision: holder?.revision ?? 0 });
        puts.push({ key, value: endpointId });
      }
      const deletes = heldHostPortKeys(before).filter((key) => !wanted.has(key) && held.get(key)?.value === endpointId);
      return { result: chosen, txn: { compares, puts, deletes } };
    });
  }
}
