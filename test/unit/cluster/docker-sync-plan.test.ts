// What the Docker sync decides to do on one host, from the cluster's networks and aliases
// and the host's Docker networks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planDockerSync, type SyncInput } from '../../../controller/cluster/docker-sync-plan';
import type { NetworkRecord } from '../../../controller/cnm/records';
import { dockerCreateRequest, type DockerNetwork } from '../../../controller/host/docker-networks';

const NOW = Date.parse('2026-12-03T12:00:00Z');

const network = (id: string, extra: Partial<NetworkRecord> = {}): NetworkRecord => ({
  id,
  key: id,
  tag: 1,
  gatewayIfname: 'ovsgw1',
  ipv4: [{ pool: '10.78.0.0/24', gateway: '10.78.0.1' }],
  ipv6: [],
  icc: true,
  internal: false,
  ...extra,
});
const docker = (id: string, name: string, ageMs = 60_000): DockerNetwork => ({ id, name, created: NOW - ageMs });

const plan = (input: Partial<SyncInput>) =>
  planDockerSync({
    hostId: 'h2',
    networks: [],
    aliases: [],
    docker: [],
    known: new Set(),
    now: NOW,
    graceMs: 30_000,
    ...input,
  });

test('the creating host learns the Docker name of a network that has none', () => {
  const created = network('d1');
  assert.deepEqual(plan({ networks: [created], docker: [docker('d1', 'shared')] }).actions, [
    { kind: 'learn', network: created, name: 'shared' },
  ]);
  const taken = network('d9', { name: 'shared', key: 'shared' });
  assert.deepEqual(plan({ networks: [created, taken], docker: [docker('d1', 'shared')] }).actions[0], {
    kind: 'name-taken',
    network: created,
    name: 'shared',
    holder: taken,
  });
  const named = network('d1', { name: 'shared', key: 'shared' });
  assert.deepEqual(plan({ networks: [named], docker: [docker('d1', 'shared')] }).actions, [], 'nothing to do');
});

test('a named cluster network without a Docker network here is created; an alias here counts as one', () => {
  const shared = network('d1', { name: 'shared', key: 'shared' });
  assert.deepEqual(plan({ networks: [shared] }).actions, [{ kind: 'create', network: shared }]);
  const aliased = plan({
    networks: [shared],
    aliases: [{ dockerId: 'h2copy', network: 'd1', host: 'h2', at: NOW - 60_000 }],
    docker: [docker('h2copy', 'shared')],
  });
  assert.deepEqual(aliased.actions, []);
  assert.deepEqual(aliased.standing, ['h2copy']);
  assert.deepEqual(plan({ networks: [network('d2')] }).actions, [], 'an unnamed network waits for its name');
});

test('a Docker network of that name standing for another cluster network is reported, not replaced', () => {
  const shared = network('d1', { name: 'shared', key: 'shared' });
  const other = network('d5', { name: 'local', key: 'local', ipv4: [{ pool: '10.90.0.0/24' }] });
  const mine = docker('d5', 'shared');
  assert.deepEqual(plan({ networks: [shared, other], docker: [mine] }).actions, [
    { kind: 'name-clash', network: shared, docker: mine, holder: other },
  ]);
});

test('a Docker network whose cluster network is gone is removed, unless it may still be being created', () => {
  const old = docker('gone', 'shared');
  assert.deepEqual(plan({ docker: [old] }).actions, [{ kind: 'remove', docker: old }]);
  const young = docker('new', 'fresh', 5_000);
  const waiting = plan({ docker: [young] });
  assert.deepEqual(waiting.actions, [], 'a young one is left alone');
  assert.equal(waiting.recheckInMs, 25_000, 'and looked at again once the grace is over');
  assert.deepEqual(plan({ docker: [young], known: new Set(['new']) }).actions, [{ kind: 'remove', docker: young }]);
});

test("the Docker create request carries the network's key, settings and subnets", () => {
  const shared = network('d1', {
    name: 'shared',
    key: 'shared',
    icc: false,
    internal: true,
    mtu: 1400,
    vni: 4242,
    tunnel: 'gre',
    ipv4: [{ pool: '10.78.0.0/24', gateway: '10.78.0.1', ipRange: '10.78.0.128/25' }],
    ipv6: [{ pool: 'fd00:78::/64', gateway: 'fd00:78::1' }],
  }) as NetworkRecord & { name: string };
  assert.deepEqual(dockerCreateRequest(shared), {
    Name: 'shared',
    CheckDuplicate: true,
    Driver: 'ovsnet',
    IPAM: {
      Driver: 'ovsnet',
      Config: [
        { Subnet: '10.78.0.0/24', Gateway: '10.78.0.1', IPRange: '10.78.0.128/25' },
        { Subnet: 'fd00:78::/64', Gateway: 'fd00:78::1' },
      ],
    },
    Options: {
      'ovsnet.name': 'shared',
      'ovsnet.icc': 'false',
      'ovsnet.vni': '4242',
      'ovsnet.tunnel': 'gre',
      'ovsnet.mtu': '1400',
    },
    Internal: true,
    EnableIPv6: true,
  });
});

test("this host's alias whose Docker network is gone from its engine is forgotten, once past the grace", () => {
  const shared = network('d1', { name: 'shared', key: 'shared' });
  const gone = { dockerId: 'h2old', network: 'd1', host: 'h2', at: NOW - 60_000 };
  const fresh = { dockerId: 'h2new', network: 'd1', host: 'h2', at: NOW - 1_000 };
  const elsewhere = { dockerId: 'h3copy', network: 'd1', host: 'h3', at: NOW - 60_000 };
  const decided = plan({ networks: [shared], aliases: [gone, fresh, elsewhere], docker: [docker('h2cur', 'shared')] });
  assert.deepEqual(
    decided.actions.filter((a) => a.kind === 'forget-alias'),
    [{ kind: 'forget-alias', alias: gone }],
    "another host's aliases and a fresh one (its CreateNetwork may be running) stay",
  );
  assert.equal(decided.recheckInMs, 29_000);
});
