// The reachability matrix's host, shared by the packet matrix and the trace matrix: three
// networks (ICC on, ICC off, internal) of three containers each, and one allow rule letting
// the first container of the ICC-off network reach the second on tcp/8080.
import type { Container, ControllerHost } from './fixture';

export const MATRIX_NETS = [
  { id: 'open', subnet: '10.31.0.0/24', options: {} },
  { id: 'closed', subnet: '10.32.0.0/24', options: { icc: false } },
  { id: 'inner', subnet: '10.33.0.0/24', options: { internal: true } },
];

export async function matrixHost(
  host: ControllerHost,
): Promise<{ byNet: Map<string, Container[]>; a: Container; b: Container }> {
  for (const n of MATRIX_NETS) await host.network(n.id, n.subnet, n.options);
  const byNet = new Map<string, Container[]>();
  for (const n of MATRIX_NETS) {
    const members: Container[] = [];
    for (let i = 2; i <= 4; i++)
      members.push(await host.container(n.id, `${n.id}-ep${i}-0123456789`, n.subnet.replace(/0\/24$/, `${i}/24`)));
    byNet.set(n.id, members);
  }
  const [a, b] = byNet.get('closed') as Container[];
  await host.daemon.registry.allowRules.add({
    networkId: 'closed',
    from: (a as Container).endpointId,
    to: (b as Container).endpointId,
    proto: 'tcp',
    port: 8080,
  });
  await host.daemon.dataplane.waitSynced(10_000);
  return { byNet, a: a as Container, b: b as Container };
}
