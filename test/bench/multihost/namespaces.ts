// Hundreds of empty network namespaces for endpoints and probes, made and removed with one
// `ip -batch` each way (one process, not one per namespace), named after this process so
// the test ledger's stale cleanup recognises them after a kill -9.
import { spawnSync } from 'node:child_process';
import { run, runOk } from '../../../controller/host/exec';
import { makeNetnsName, onEmergency } from '../../harness/ledger';

export class NamespaceSet {
  private readonly unregister: () => void;

  private constructor(readonly names: string[]) {
    this.unregister = onEmergency(() => {
      spawnSync('ip', ['-force', '-batch', '-'], {
        input: names.map((n) => `netns del ${n}`).join('\n'),
        stdio: ['pipe', 'ignore', 'ignore'],
      });
    });
  }

  static async create(role: string, count: number): Promise<NamespaceSet> {
    const set = new NamespaceSet(Array.from({ length: count }, () => makeNetnsName(role)));
    await runOk('ip', ['-batch', '-'], {
      input: `${set.names.map((n) => `netns add ${n}`).join('\n')}\n`,
      timeoutMs: 120_000,
    });
    return set;
  }

  /** Deletes every namespace (processes still inside keep theirs alive until they exit). */
  async destroy(): Promise<void> {
    await run('ip', ['-force', '-batch', '-'], {
      input: `${this.names.map((n) => `netns del ${n}`).join('\n')}\n`,
      timeoutMs: 120_000,
      allowFailure: true,
    });
    this.unregister();
  }
}

/** Path form of a namespace name, as `--netns` and OVS-side tools take it. */
export function netnsPath(name: string): string {
  return `/run/netns/${name}`;
}

/**
 * Makes a veth with `ip -n hostNetns`, from `linkAdd` (an `ip link add PORT …` line whose
 * peer goes into an endpoint's namespace), and in the same batch keeps IPv6 off its host
 * end `port`, as ovsnet does to its own: ovs-vswitchd pays for every address on a port, so
 * a contender or the floor whose ports had them would be measured doing more work. One
 * process, as a plain `ip link add` was.
 */
export async function addVethWithoutHostIpv6(hostNetns: string, port: string, linkAdd: string): Promise<void> {
  await runOk('ip', ['-n', hostNetns, '-batch', '-'], {
    input: `${linkAdd}\nlink set dev ${port} addrgenmode none\n`,
  });
}
