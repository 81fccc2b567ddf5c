// `ovsnet network create` arguments as the network request the daemon gets: Docker's option
// names and defaults, and usage errors that name the offending option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, UsageError } from '../../../drivers/cli/args';
import { networkSpecFrom } from '../../../drivers/cli/network-spec';
import { networkIdForName } from '../../../controller/api';

const spec = (...argv: string[]) => networkSpecFrom(parseArgs(['network', 'create', ...argv]));

test('a name and a subnet: the name is the key, the id follows from it, the gateway is the first address', () => {
  assert.deepEqual(spec('blue', '--subnet', '10.60.0.0/24'), {
    id: networkIdForName('blue'),
    name: 'blue',
    key: 'blue',
    ipv4: [{ pool: '10.60.0.0/24', gateway: '10.60.0.1' }],
    ipv6: [],
    icc: true,
    internal: false,
  });
  assert.match(networkIdForName('blue'), /^[0-9a-f]{64}$/, 'an id shaped like a Docker network id');
  assert.notEqual(networkIdForName('blue'), networkIdForName('red'));
});

test('every option: dual stack with gateways and ranges paired by family, icc, internal, mtu, vni, tunnel', () => {
  assert.deepEqual(
    spec(
      'green',
      '--subnet=10.61.0.0/24',
      '--subnet',
      'fd00:61::/64',
      '--gateway',
      'fd00:61::fe',
      '--gateway=10.61.0.254',
      '--ip-range',
      '10.61.0.128/25',
      '--icc=false',
      '--internal',
      '--mtu',
      '1400',
      '--vni',
      '4242',
      '--tunnel',
      'gre',
    ),
    {
      id: networkIdForName('green'),
      name: 'green',
      key: 'green',
      ipv4: [{ pool: '10.61.0.0/24', gateway: '10.61.0.254', ipRange: '10.61.0.128/25' }],
      ipv6: [{ pool: 'fd00:61::/64', gateway: 'fd00:61::fe' }],
      icc: false,
      internal: true,
      mtu: 1400,
      vni: 4242,
      tunnel: 'gre',
    },
  );
  assert.deepEqual(spec('p2p', '--subnet', '10.62.0.0/31').ipv4, [{ pool: '10.62.0.0/31' }], 'no room for a gateway');
});

test('usage errors name the option', () => {
  const cases: Array<[string[], RegExp]> = [
    [[], /usage: ovsnet network create NAME --subnet CIDR/],
    [['blue'], /needs at least one --subnet/],
    [['blue', 'extra', '--subnet', '10.1.0.0/24'], /unexpected argument "extra"/],
    [['-bad', '--subnet', '10.1.0.0/24'], /network name "-bad"/],
    [['blue', '--subnet', '10.1.0.0/24', '--icc', 'no'], /--icc must be true or false, not "no"/],
    [['blue', '--subnet', '10.1.0.0/24', '--mtu', '1.5'], /--mtu must be a whole number/],
    [['blue', '--subnet', '10.1.0.0/24', '--tunnel', 'geneve'], /--tunnel must be vxlan or gre, not "geneve"/],
    [['blue', '--subnet', '10.1.0.0/24', '--gateway', 'fd00::1'], /--gateway fd00::1 has no --subnet of its family/],
    [['blue', '--subnet', '10.1.0.0/24', '--vni', '1', '--vni', '2'], /--vni given more than once/],
    [['blue', '--subnet', '10.1.0.0/24', '--driver', 'x'], /unknown option --driver/],
  ];
  for (const [argv, message] of cases)
    assert.throws(
      () => spec(...argv),
      (e) => e instanceof UsageError && message.test(e.message),
      argv.join(' '),
    );
});
