// `ovsnet status | network ls|create|rm|inspect | host ls|rm | endpoint ls | ipam ls | policy ... | flows`: talk to
// the daemon's control socket and print human tables (or JSON with --json).
import { join } from 'node:path';
import type { EndpointRecord, NetworkRecord } from '../../controller/api';
import { askDaemon } from './ask-daemon';
import { UsageError, type ParsedArgs } from './args';
import { hostCommand } from './host-command';
import { networkCommand } from './network-command';
import { short, table } from './table';
import { policyCommand } from './policy';

const published = (e: EndpointRecord): string =>
  (e.ports ?? []).map((p) => `${p.hostPort}->${p.containerPort}/${p.proto}`).join(',');

export async function inspect(args: ParsedArgs): Promise<number> {
  const control = args.options.get('control') ?? join(args.options.get('state-dir') ?? '/var/lib/ovsnet', 'ovsnet.ctl');
  const json = args.flags.has('json');
  const out = (value: unknown, human: () => string): void => {
    process.stdout.write(
      `${json ? JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2) : human()}\n`,
    );
  };
  const [sub, ...rest] = args.positionals;
  switch (args.command) {
    case 'status': {
      const s = await askDaemon(control, 'status', {});
      out(s, () =>
        Object.entries(s)
          .map(([k, v]) => `${k.padEnd(10)} ${String(v)}`)
          .join('\n'),
      );
      return 0;
    }
    case 'network': {
      if (sub !== 'inspect') return networkCommand(control, args, out);
      const wanted = rest[0];
      if (!wanted) throw new UsageError('usage: ovsnet network inspect NETWORK');
      const nets = await askDaemon(control, 'network.ls', {});
      const match = nets.filter((n) => n.id === wanted || n.key === wanted || n.id.startsWith(wanted));
      if (match.length !== 1)
        throw new UsageError(
          match.length === 0 ? `no network "${wanted}"` : `"${wanted}" matches ${match.length} networks`,
        );
      const detail = await askDaemon(control, 'network.inspect', { id: (match[0] as NetworkRecord).id });
      out(detail, () => JSON.stringify(detail, null, 2));
      return 0;
    }
    case 'endpoint': {
      if (sub === 'stats') return (await import('./endpoint-stats')).endpointStatsCommand(control, rest[0], args, out);
      if (sub !== 'ls' && sub !== undefined) throw new UsageError(`unknown endpoint command "${sub}" (ls, stats)`);
      const eps = await askDaemon(control, 'endpoint.ls', {});
      out(eps, () =>
        table(eps, [
          ['ENDPOINT', (e) => short(e.endpointId)],
          ['NETWORK', (e) => short(e.networkId)],
          ['IPV4', (e) => e.ipv4],
          ['IPV6', (e) => e.ipv6],
          ['MAC', (e) => e.mac],
          ['PORT', (e) => e.hostIfname],
          ['OFPORT', (e) => e.ofport],
          ['PUBLISHED', published],
        ]),
      );
      return 0;
    }
    case 'pool': {
      if (sub !== 'ls' && sub !== undefined) throw new UsageError(`unknown pool command "${sub}" (ls)`);
      const slots = await askDaemon(control, 'pool.ls', {});
      out(slots, () =>
        table(slots, [
          ['PORT', (s) => s.hostIfname],
          ['PEER', (s) => s.containerIfname],
          ['OFPORT', (s) => s.ofport],
          ['READY', (s) => s.made === true],
        ]),
      );
      return 0;
    }
    case 'ipam': {
      if (sub !== 'ls' && sub !== undefined) throw new UsageError(`unknown ipam command "${sub}" (ls)`);
      const pools = await askDaemon(control, 'ipam.ls', {});
      // One row per address held, and one for a pool that holds none.
      const rows = pools.flatMap((p) =>
        (p.addresses.length > 0 ? p.addresses : [undefined]).map((a) => ({
          pool: p.pool,
          address: a?.address,
          owner: a?.owner,
        })),
      );
      out(pools, () =>
        table(rows, [
          ['POOL', (r) => r.pool],
          ['ADDRESS', (r) => r.address],
          ['OWNER', (r) => r.owner],
        ]),
      );
      return 0;
    }
    case 'policy':
      return policyCommand(control, args, out);
    case 'host':
      return hostCommand(control, args, out);
    case 'flows': {
      const network = args.options.get('network');
      const shown = await askDaemon(control, 'flows', network !== undefined ? { network } : {});
      out(shown, () => shown.join('\n'));
      return 0;
    }
    case undefined:
    default:
      throw new UsageError(`unknown command "${args.command}" (try 'ovsnet --help')`);
  }
}
