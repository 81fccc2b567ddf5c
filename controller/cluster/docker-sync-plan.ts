// What the Docker sync does on one host, decided from the cluster's networks and aliases
// and this host's Docker networks of the ovsnet driver. Pure, so every rule is tested apart
// from Docker and etcd:
//   - learn: a local Docker network stands for a cluster network that has no name yet (Docker
//     never tells a driver the name): its Docker name becomes the network's name and key,
//     unless another cluster network already goes by it;
//   - create: a cluster network with a name has no Docker network here: make one (its
//     CreateNetwork then arrives as an alias);
//   - remove: a Docker network here stands for no cluster network any more: remove it. One
//     not seen standing for a network yet may be in the middle of its creation, so it is
//     removed only once it is older than the grace (or was seen standing for one before);
//   - forget-alias: this host's alias of a network whose Docker network is gone from this
//     engine (Docker drops its copy even when ovsnet refuses the delete), once older than
//     the grace (an alias is recorded during CreateNetwork, before the engine lists it).
import type { NetworkAlias } from '../cnm/network-aliases';
import type { NetworkRecord } from '../cnm/records';
import type { DockerNetwork } from '../host/docker-networks';

export type SyncAction =
  | { kind: 'learn'; network: NetworkRecord; name: string }
  | { kind: 'name-taken'; network: NetworkRecord; name: string; holder: NetworkRecord }
  | { kind: 'create'; network: NetworkRecord & { name: string } }
  | { kind: 'name-clash'; network: NetworkRecord & { name: string }; docker: DockerNetwork; holder: NetworkRecord }
  | { kind: 'remove'; docker: DockerNetwork }
  | { kind: 'forget-alias'; alias: NetworkAlias };

export interface SyncInput {
  /** This host's id: its own aliases whose Docker network is gone are forgotten. */
  hostId: string;
  networks: readonly NetworkRecord[];
  aliases: readonly NetworkAlias[];
  docker: readonly DockerNetwork[];
  /** Docker ids seen standing for a cluster network earlier in this daemon's life. */
  known: ReadonlySet<string>;
  now: number;
  /** How old an unknown Docker network must be before it is removed. */
  graceMs: number;
}

export interface SyncPlan {
  actions: SyncAction[];
  /** Docker ids that stand for a cluster network now (remembered for `known`). */
  standing: string[];
  /** When to look again for a young Docker network that stands for nothing yet (ms from now). */
  recheckInMs?: number;
}

/** Docker names ovsnet can take as a network key (those of `-o ovsnet.name`). */
const KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

export function planDockerSync(input: SyncInput): SyncPlan {
  const byId = new Map(input.networks.map((n) => [n.id, n]));
  const aliasOf = new Map(input.aliases.map((a) => [a.dockerId, a.network]));
  const standsFor = (docker: DockerNetwork): NetworkRecord | undefined =>
    byId.get(docker.id) ?? byId.get(aliasOf.get(docker.id) ?? '');
  const goesBy = (name: string, except: string): NetworkRecord | undefined =>
    input.networks.find((n) => n.id !== except && (n.name === name || n.key === name));

  const actions: SyncAction[] = [];
  const standing: string[] = [];
  const here = new Set<string>();
  let recheckInMs: number | undefined;
  for (const docker of input.docker) {
    const network = standsFor(docker);
    if (network) {
      standing.push(docker.id);
      if (network.name === undefined && !here.has(network.id) && KEY_PATTERN.test(docker.name)) {
        const holder = goesBy(docker.name, network.id);
        actions.push(
          holder
            ? { kind: 'name-taken', network, name: docker.name, holder }
            : { kind: 'learn', network, name: docker.name },
        );
      }
      here.add(network.id);
      continue;
    }
    const age = input.now - docker.created;
    if (input.known.has(docker.id) || !(age < input.graceMs)) actions.push({ kind: 'remove', docker });
    else recheckInMs = Math.min(recheckInMs ?? Infinity, input.graceMs - age);
  }
  const listed = new Set(input.docker.map((d) => d.id));
  for (const alias of input.aliases) {
    if (alias.host !== input.hostId || listed.has(alias.dockerId)) continue;
    const age = input.now - (alias.at ?? 0);
    if (age >= input.graceMs) actions.push({ kind: 'forget-alias', alias });
    else recheckInMs = Math.min(recheckInMs ?? Infinity, input.graceMs - age);
  }
  for (const network of input.networks) {
    if (network.name === undefined || here.has(network.id)) continue;
    const named = network as NetworkRecord & { name: string };
    const sameName = input.docker.find((d) => d.name === named.name);
    if (!sameName) actions.push({ kind: 'create', network: named });
    else {
      const holder = standsFor(sameName);
      // A Docker network of that name that stands for nothing is removed first (above).
      if (holder) actions.push({ kind: 'name-clash', network: named, docker: sameName, holder });
    }
  }
  return { actions, standing, ...(recheckInMs !== undefined ? { recheckInMs } : {}) };
}
