// `ovsnet status | network ls | network inspect | endpoint ls | ipam ls | policy ... | flows`: talk to
// the daemon's control socket and print human tables (or JSON with --json).
import { join } from 'node:path';
import { callControl, type AllowRule, type EndpointRecord, type NetworkRecord } from '../../controller/api';
import { UsageError, type ParsedArgs } from './args';

/** A column: its title and how a row fills it (the row's type is the method's result). */
type Column<R> = [title: string, cell: (row: R) => string | number | boolean | undefined];

function table<R>(rows: readonly R[], columns: Array<Column<R>>): string {
  const cells = rows.map((r) => columns.map(([, get]) => String(get(r) ?? '')));
  const widths = columns.map(([title], i) => Math.max(title.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (values: string[]): string =>
    values
      .map((v, i) => v.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return [line(columns.map(([title]) => title)), ...cells.map(line)].join('\n');
}

const short = (id: string): string => id.slice(0, 12);
const published = (e: EndpointRecord): string =>
  (e.ports ?? []).map((p) => `${p.hostPort}->${p.containerPort}/${p.proto}`).join(',');
const subnets = (n: NetworkRecord): string => [...n.ipv4, ...n.ipv6].map((s) => s.pool).join(',');

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
      const s = await callControl(control, 'status', {});
      out(s, () =>
        Object.entries(s)
          .map(([k, v]) => `${k.padEnd(10)} ${String(v)}`)
          .join('\n'),
      );
      return 0;
    }
    case 'network': {
      if (sub === 'ls' || sub === undefined) {
        const nets = await callControl(control, 'network.ls', {});
        out(nets, () =>
          table(nets, [
            ['ID', (n) => short(n.id)],
            ['KEY', (n) => n.key],
            ['TAG', (n) => n.tag],
            ['SUBNETS', subnets],
            ['ICC', (n) => n.icc],
            ['INTERNAL', (n) => n.internal],
          ]),
        );
        return 0;
      }
      if (sub === 'inspect') {
        const wanted = rest[0];
        if (!wanted) throw new UsageError('usage: ovsnet network inspect NETWORK');
        const nets = await callControl(control, 'network.ls', {});
        const match = nets.filter((n) => n.id === wanted || n.key === wanted || n.id.startsWith(wanted));
        if (match.length !== 1)
          throw new UsageError(
            match.length === 0 ? `no network "${wanted}"` : `"${wanted}" matches ${match.length} networks`,
          );
        const detail = await callControl(control, 'network.inspect', { id: (match[0] as NetworkRecord).id });
        out(detail, () => JSON.stringify(detail, null, 2));
        return 0;
      }
      throw new UsageError(`unknown network command "${sub}" (ls, inspect)`);
    }
    case 'endpoint': {
      if (sub === 'stats') return (await import('./endpoint-stats')).endpointStatsCommand(control, rest[0], args, out);
      if (sub !== 'ls' && sub !== undefined) throw new UsageError(`unknown endpoint command "${sub}" (ls, stats)`);
      const eps = await callControl(control, 'endpoint.ls', {});
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
      const slots = await callControl(control, 'pool.ls', {});
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
      const pools = await callControl(control, 'ipam.ls', {});
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
    case 'policy': {
      if (sub === 'ls' || sub === undefined) {
        const rules = await callControl(control, 'policy.ls', {});
        out(rules, () =>
          table(rules, [
            ['ID', (r) => r.id],
            ['NETWORK', (r) => short(r.networkId)],
            ['FROM', (r) => r.from],
            ['TO', (r) => r.to],
            ['PROTO', (r) => r.proto ?? 'any'],
            ['PORT', (r) => r.port ?? 'any'],
          ]),
        );
        return 0;
      }
      if (sub === 'allow') {
        const need = (k: string): string => {
          const v = args.options.get(k);
          if (!v) throw new UsageError(`ovsnet policy allow needs --${k}`);
          return v;
        };
        const port = args.options.get('port');
        // Sent as typed: the daemon refuses any other protocol with an error naming the field.
        const proto = args.options.get('proto') as AllowRule['proto'];
        const rule = await callControl(control, 'policy.allow', {
          networkId: need('network'),
          from: need('from'),
          to: need('to'),
          ...(proto !== undefined ? { proto } : {}),
          ...(port !== undefined ? { port: Number(port) } : {}),
        });
        out(rule, () => `allowed: ${rule.id}`);
        return 0;
      }
      if (sub === 'rm') {
        if (!rest[0]) throw new UsageError('usage: ovsnet policy rm RULE_ID');
        await callControl(control, 'policy.rm', { id: rest[0] });
        out({ removed: rest[0] }, () => `removed: ${rest[0]}`);
        return 0;
      }
      throw new UsageError(`unknown policy command "${sub}" (allow, ls, rm)`);
    }
    case 'flows': {
      const network = args.options.get('network');
      const shown = await callControl(control, 'flows', network !== undefined ? { network } : {});
      out(shown, () => shown.join('\n'));
      return 0;
    }
    case undefined:
    default:
      throw new UsageError(`unknown command "${args.command}" (try 'ovsnet --help')`);
  }
}
