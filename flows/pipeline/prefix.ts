// IP addresses and subnets as matches: netmasks for prefix lengths in the text form the
// codec takes, and the EtherType prerequisite each address family needs.
import type { MatchField } from '../ofp/match';
import { EtherType } from './protocols';

export function prefixMask(prefix: number, v6: boolean): string {
  if (!v6)
    return [0, 1, 2, 3]
      .map((i) => Math.max(0, Math.min(8, prefix - i * 8)))
      .map((b) => (0xff << (8 - b)) & 0xff)
      .join('.');
  return Array.from({ length: 8 }, (_, i) => Math.max(0, Math.min(16, prefix - i * 16)))
    .map((b) => ((0xffff << (16 - b)) & 0xffff).toString(16))
    .join(':');
}

/** IP packets whose source or destination is `address`, or lies in it when it is a CIDR subnet. */
export function addressMatch(address: string, side: 'src' | 'dst'): MatchField[] {
  const [bare, prefix] = address.split('/') as [string, string | undefined];
  const v6 = bare.includes(':');
  return [
    { field: 'eth_type', value: v6 ? EtherType.IPV6 : EtherType.IPV4 },
    {
      field: v6 ? `ipv6_${side}` : `ip_${side}`,
      value: bare,
      ...(prefix !== undefined ? { mask: prefixMask(Number(prefix), v6) } : {}),
    },
  ];
}
