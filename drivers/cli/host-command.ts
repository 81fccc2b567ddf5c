// `ovsnet host ls|rm`: the hosts of the cluster as etcd knows them. `ls` lists the live
// hosts and the dead ones that still own endpoints; `rm` forgets a dead host, removing its
// endpoints with everything they held (a live host is refused by the daemon).
import type { HostListing } from '../../controller/api';
import { askDaemon } from './ask-daemon';
import { UsageError, type ParsedArgs } from './args';
import { table } from './table';

type Output = (value: unknown, human: () => string) => void;

export async function hostCommand(control: string, args: ParsedArgs, out: Output): Promise<number> {
  const [sub, id, extra] = args.positionals;
  if (sub === 'ls' || sub === undefined) {
    const hosts = await askDaemon(control, 'host.ls', {});
    out(hosts, () =>
      table<HostListing>(hosts, [
        ['HOST', (h) => h.id],
        ['TUNNEL IP', (h) => h.tunnelIp ?? '-'],
        ['ALIVE', (h) => (h.alive ? 'yes' : 'no')],
        ['SINCE', (h) => h.since ?? '-'],
        ['ENDPOINTS', (h) => h.endpoints],
      ]),
    );
    return 0;
  }
  if (sub === 'rm') {
    if (id === undefined || extra !== undefined) throw new UsageError('usage: ovsnet host rm HOST');
    const result = await askDaemon(control, 'host.rm', { id });
    out(result, () => `removed host ${id} and its ${result.removed.length} endpoint(s)`);
    return 0;
  }
  throw new UsageError(`unknown host command "${sub}" (ls, rm)`);
}
