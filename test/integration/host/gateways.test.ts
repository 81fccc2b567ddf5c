// The host side of a network's gateway: its address is given in the pass that first sees
// the network, and an address removed by hand comes back after the recheck period, from a
// check that runs beside the pass (the pass itself does not wait for it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Netns } from '../../harness/netns';
import { requireBinaries } from '../../harness/require';
import { FakeClock } from '../../harness/fake-clock';
import { until } from '../../harness/until';
import { HostGateways } from '../../../controller/host/gateways';
import type { NetworkRecord } from '../../../controller/cnm/records';

const network: NetworkRecord = {
  id: 'gwtest',
  name: 'gwtest',
  key: 'gwtest',
  tag: 1,
  gatewayIfname: 'gwt0',
  ipv4: [{ pool: '10.78.0.0/24', gateway: '10.78.0.1' }],
  ipv6: [],
  icc: true,
  internal: true,
};

test('a gateway address removed by hand is restored by a check beside the pass', async (t) => {
  if (!requireBinaries(t, ['ip', 'ethtool', 'iptables-restore'])) return;
  const host = await Netns.create('gw');
  t.after(() => host.destroy());
  await host.ip('link', 'add', 'gwt0', 'type', 'veth', 'peer', 'name', 'gwt0p');
  const clock = new FakeClock();
  const gateways = new HostGateways(host.name, clock, 1000);
  const address = async (): Promise<boolean> =>
    /10\.78\.0\.1\/24/.test(await host.ip('-o', 'addr', 'show', 'dev', 'gwt0'));

  await gateways.sync([network], []);
  assert.equal(await address(), true, 'the first pass gives the gateway its address');
  assert.match(await host.ip('-o', 'link', 'show', 'gwt0'), /[<,]UP[,>]/, 'and brings it up');

  await host.ip('addr', 'del', '10.78.0.1/24', 'dev', 'gwt0');
  await gateways.sync([network], []);
  assert.equal(await address(), false, 'within the recheck period the gateway is trusted');

  clock.advance(1000);
  await gateways.sync([network], []);
  await until('the address to come back', address, 10_000);
});
