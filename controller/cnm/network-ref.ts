// How a person refers to a network on the command line: by Docker's id (or a prefix of at
// least six characters of it), by name, or by its cross-host key.
import type { NetworkRecord } from './records';

export function networksReferredTo(networks: readonly NetworkRecord[], ref: string): NetworkRecord[] {
  return networks.filter(
    (n) => n.id === ref || n.name === ref || n.key === ref || (ref.length >= 6 && n.id.startsWith(ref)),
  );
}
