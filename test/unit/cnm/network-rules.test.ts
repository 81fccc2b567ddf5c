// Allow rules given with a network: the option syntax (and its errors naming the bad
// part), their life in the network's record (listed as the network's, gone with it, not
// removable alone), the same rules through Docker's options, the cluster's copy of a
// network on another host, and what the pipeline gets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { code, net, setup } from './registry-fixture';
import { formatNetworkRules, parseNetworkRules } from '../../../controller/cnm/network-rules';
import { removeRule, ruleStatuses } from '../../../controller/cnm/rule-status';
import { settingsDiffer } from '../../../controller/cnm/network-match';
import { dockerCreateRequest } from '../../../controller/host/docker-networks';
import { toPipelineState } from '../../../controller/reconcile/pipeline-state';
import type { DataplaneState } from '../../../controller/reconcile/ovs-dataplane';
import type { NetworkRecord } from '../../../controller/cnm/records';
import { parseNetworkOptions } from '../../../drivers/docker/options';
import { toCreateNetwork } from '../../../drivers/docker/requests';
import { parseArgs } from '../../../drivers/cli/args';
import { networkSpecFrom } from '../../../drivers/cli/network-spec';

const COMPOSE = 'label:app=web>label:app=db:tcp/5432; web > cache:tcp/6379,udp/6379;fd00::10>fd00::ab;';

test('rules separated by ";", each FROM>TO with services, come out one per service, sorted, without duplicates', () => {
  const rules = parseNetworkRules(COMPOSE + 'web>cache:udp/6379');
  assert.deepEqual(rules, [
    { from: 'fd00::10', to: 'fd00::ab' },
    { from: 'label:app=web', to: 'label:app=db', proto: 'tcp', port: 5432 },
    { from: 'web', to: 'cache', proto: 'tcp', port: 6379 },
    { from: 'web', to: 'cache', proto: 'udp', port: 6379 },
  ]);
  assert.deepEqual(parseNetworkRules(formatNetworkRules(rules)), rules, 'the formatted rules parse back');
  assert.deepEqual(parseNetworkRules('a>fd00::/64:icmp'), [{ from: 'a', to: 'fd00::/64', proto: 'icmp' }]);
  assert.deepEqual(parseNetworkRules(''), [], 'an empty value is no rule');
});

test('a rule that does not parse is refused, naming the rule and its bad part', () => {
  const refused: Array<[string, RegExp]> = [
    ['web>db;web', /rule 2 "web" must be FROM>TO\[:SERVICE/],
    ['web>db>x', /rule 1 "web>db>x" must be FROM>TO/],
    ['>db', /rule 1 ">db" must be FROM>TO/],
    ['a b>db', /rule 1 "a b>db": FROM must be an endpoint id, container name or id, address, CIDR or label/],
    ['web>10.1.0.300', /rule 1 "web>10.1.0.300": TO/],
    ['web>label:app=db:tpc/5432', /rule 1 .*: service "tpc\/5432" must be tcp, udp or icmp/],
    ['web>db:tcp/99999', /service "tcp\/99999"/],
    ['web>db:icmp/8', /service "icmp\/8"/],
  ];
  for (const [text, message] of refused)
    assert.throws(
      () => parseNetworkRules(text),
      (e: Error) => message.test(e.message),
      text,
    );
});

test("a network's rules are listed as the network's, cannot be removed alone, and go with the network", async (t) => {
  const { registry } = setup(t);
  await registry.networks.create(
    net('n1', '10.1.0.0/24', { name: 'shop', icc: false, allow: parseNetworkRules(COMPOSE) }),
  );
  const listed = await ruleStatuses(registry);
  assert.deepEqual(
    listed.map((r) => [r.origin, r.networkId, r.from, r.to, r.proto, r.port]),
    [
      ['network', 'n1', 'fd00::10', 'fd00::ab', undefined, undefined],
      ['network', 'n1', 'label:app=web', 'label:app=db', 'tcp', 5432],
      ['network', 'n1', 'web', 'cache', 'tcp', 6379],
      ['network', 'n1', 'web', 'cache', 'udp', 6379],
    ],
  );
  const id = (listed[1] as { id: string }).id;
  assert.match(id, /^net-[0-9a-f]{12}$/);
  await assert.rejects(removeRule(registry, id), /given with network "shop".*goes when the network is removed/);
  await registry.networks.delete('n1');
  assert.deepEqual(await ruleStatuses(registry), [], 'gone with the network');
});

test('a network whose rules do not validate is refused and nothing is created', async (t) => {
  const { registry } = setup(t);
  const bad = [{ from: 'web', to: 'db', port: 80 }] as never;
  await assert.rejects(
    registry.networks.create(net('n1', '10.1.0.0/24', { allow: bad })),
    (e: unknown) => code('INVALID_ARGUMENT')(e) && /network allow rule 1 port needs proto tcp or udp/.test(String(e)),
  );
  await assert.rejects(
    registry.networks.create(net('n1', '10.1.0.0/24', { allow: [{ from: 'a', to: 'b', stateless: true }] as never })),
    /stateful/,
  );
  assert.deepEqual(await registry.networks.list(), []);
});

test('docker network create -o ovsnet.allow and -o ovsnet.allow.NAME give the network its rules', () => {
  const call = toCreateNetwork({
    NetworkID: 'd0c'.repeat(20) + 'abcd',
    Options: {
      'com.docker.network.generic': {
        'ovsnet.icc': 'false',
        'ovsnet.allow': 'label:app=web>label:app=db:tcp/5432',
        'ovsnet.allow.cache': 'web>cache:tcp/6379',
      },
    },
    IPv4Data: [{ AddressSpace: 'x', Pool: '10.1.0.0/24', Gateway: '10.1.0.1/24' }],
    IPv6Data: [],
  });
  assert.deepEqual(call.spec.allow, [
    { from: 'label:app=web', to: 'label:app=db', proto: 'tcp', port: 5432 },
    { from: 'web', to: 'cache', proto: 'tcp', port: 6379 },
  ]);
  assert.throws(
    () => parseNetworkOptions({ 'com.docker.network.generic': { 'ovsnet.allow.db': 'web>db:tcp/0' } }),
    /invalid value for option ovsnet\.allow\.db: rule 1 "web>db:tcp\/0": service "tcp\/0"/,
  );
  assert.throws(
    () => parseNetworkOptions({ 'com.docker.network.generic': { 'ovsnet.allow.': 'web>db' } }),
    /unknown option ovsnet\.allow\.: ovsnet accepts .*ovsnet\.allow, ovsnet\.allow\.NAME/,
  );
});

test('ovsnet network create --allow, repeatable; a bad rule fails before the daemon is asked', () => {
  const spec = networkSpecFrom(
    parseArgs(['network', 'create', 'shop', '--subnet', '10.1.0.0/24', '--allow', 'web>db:tcp/5432', '--allow=a>b']),
  );
  // In the order given: the daemon puts them in their canonical order.
  assert.deepEqual(spec.allow, [
    { from: 'web', to: 'db', proto: 'tcp', port: 5432 },
    { from: 'a', to: 'b' },
  ]);
  assert.throws(
    () => networkSpecFrom(parseArgs(['network', 'create', 'shop', '--subnet', '10.1.0.0/24', '--allow', 'web'])),
    /--allow: rule 1 "web" must be FROM>TO/,
  );
});

test("another host's copy of a network carries its rules, and a copy with other rules is another network", async (t) => {
  const { registry } = setup(t);
  const created = await registry.networks.create(
    net('n1', '10.1.0.0/24', { name: 'shop', key: 'shop', icc: false, allow: parseNetworkRules(COMPOSE) }),
  );
  const request = dockerCreateRequest({ ...created, name: 'shop' });
  const options = parseNetworkOptions({ 'com.docker.network.generic': request['Options'] });
  assert.deepEqual(options.allow, created.allow, 'the copy asks for the same rules');
  const copy = { ...created, id: 'n2', allow: options.allow ?? [] };
  assert.deepEqual(settingsDiffer(copy, created), []);
  assert.match(
    settingsDiffer({ ...copy, allow: [{ from: 'a', to: 'b' }] }, created).join(),
    /allow rules a>b here, fd00::10>fd00::ab;.* there/,
  );
});

test("the pipeline gets a network's rules as stateful rules of that network", () => {
  const network = {
    id: 'n1',
    key: 'n1',
    tag: 7,
    gatewayIfname: 'ovsgw7',
    icc: false,
    internal: false,
    ipv4: [{ pool: '10.1.0.0/24' }],
    ipv6: [],
  };
  const endpoint = (id: string, ipv4: string, ofport: number): DataplaneState['endpoints'][number] => ({
    networkId: 'n1',
    endpointId: id.repeat(64),
    ipv4,
    mac: '02:00:00:00:00:01',
    hostIfname: `ovs${id}`,
    containerIfname: `ovc${id}`,
    ofport,
    realisedOfport: ofport,
  });
  const state: DataplaneState = {
    networks: [{ ...network, allow: parseNetworkRules('10.1.0.2>10.1.0.3:tcp/80') } satisfies NetworkRecord],
    endpoints: [endpoint('a', '10.1.0.2/24', 40001), endpoint('b', '10.1.0.3/24', 40002)],
    gateways: new Map(),
    rules: [],
  };
  assert.deepEqual(toPipelineState(state).rules, [
    { id: 1, networkTag: 7, from: [40001], to: [40002], proto: 'tcp', port: 80, stateful: true },
  ]);
});
