import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseHostPorts, DYNAMIC_HOST_PORTS, type PortHolder } from '../../../controller/cnm/host-ports';
import type { PortBinding } from '../../../controller/cnm/types';

const held =
  (entries: Record<string, string>): PortHolder =>
  (proto, port) =>
    entries[`${proto}/${port}`];

test('fixed ports are kept; "any" takes the lowest free dynamic port; a range takes one port in it', () => {
  const requested: PortBinding[] = [
    { proto: 'tcp', containerPort: 80, hostPort: 8080 },
    { proto: 'tcp', containerPort: 81, hostPort: 0 },
    { proto: 'udp', containerPort: 53, hostPort: 0 },
    { proto: 'tcp', containerPort: 82, hostPort: 18000, hostPortEnd: 18002 },
  ];
  const chosen = chooseHostPorts(
    'ep1',
    requested,
    [],
    held({ [`tcp/${DYNAMIC_HOST_PORTS.first}`]: 'ep2', 'tcp/18000': 'ep3' }),
  );
  assert.deepEqual(chosen, [
    { proto: 'tcp', containerPort: 80, hostPort: 8080 },
    { proto: 'tcp', containerPort: 81, hostPort: DYNAMIC_HOST_PORTS.first + 1 },
    { proto: 'udp', containerPort: 53, hostPort: DYNAMIC_HOST_PORTS.first },
    { proto: 'tcp', containerPort: 82, hostPort: 18001 },
  ]);
});

test('two "any" requests in one call get different ports; a repeated call keeps the same ports', () => {
  const requested: PortBinding[] = [
    { proto: 'tcp', containerPort: 80, hostPort: 0 },
    { proto: 'tcp', containerPort: 443, hostPort: 0 },
  ];
  const first = chooseHostPorts('ep1', requested, [], held({}));
  assert.notEqual(first[0]?.hostPort, first[1]?.hostPort);
  const holders: Record<string, string> = Object.fromEntries(first.map((p) => [`tcp/${p.hostPort}`, 'ep1']));
  assert.deepEqual(chooseHostPorts('ep1', requested, first, held(holders)), first, 'idempotent');
});

test('a fixed port or a whole range held by another endpoint is refused, naming the port', () => {
  assert.throws(
    () =>
      chooseHostPorts(
        'ep1',
        [{ proto: 'tcp', containerPort: 80, hostPort: 8080 }],
        [],
        held({ 'tcp/8080': 'ep2abcdef0123456' }),
      ),
    /host port 8080\/tcp is already published by endpoint ep2abcdef012/,
  );
  assert.throws(
    () =>
      chooseHostPorts(
        'ep1',
        [{ proto: 'udp', containerPort: 80, hostPort: 9000, hostPortEnd: 9001 }],
        [],
        held({ 'udp/9000': 'a', 'udp/9001': 'b' }),
      ),
    /every host port 9000-9001\/udp is already published/,
  );
  assert.deepEqual(
    chooseHostPorts('ep1', [{ proto: 'udp', containerPort: 80, hostPort: 8080 }], [], held({ 'tcp/8080': 'ep2' })),
    [{ proto: 'udp', containerPort: 80, hostPort: 8080 }],
    'tcp and udp ports are separate',
  );
});

test('ports host processes listen on are never chosen for "any" or a range, but a fixed port is the user\'s call', () => {
  const busy = (proto: string, port: number): boolean =>
    proto === 'tcp' && (port === DYNAMIC_HOST_PORTS.first || port === 18000);
  const chosen = chooseHostPorts(
    'ep1',
    [
      { proto: 'tcp', containerPort: 80, hostPort: 0 },
      { proto: 'tcp', containerPort: 81, hostPort: 18000, hostPortEnd: 18001 },
      { proto: 'udp', containerPort: 82, hostPort: 0 },
      { proto: 'tcp', containerPort: 83, hostPort: 18000 },
    ],
    [],
    held({}),
    busy,
  );
  assert.deepEqual(
    chosen.map((p) => p.hostPort),
    [DYNAMIC_HOST_PORTS.first + 1, 18001, DYNAMIC_HOST_PORTS.first, 18000],
  );
  assert.throws(
    () =>
      chooseHostPorts(
        'ep1',
        [{ proto: 'tcp', containerPort: 80, hostPort: 18000, hostPortEnd: 18001 }],
        [],
        held({ 'tcp/18001': 'x' }),
        busy,
      ),
    /every host port 18000-18001\/tcp is already published or in use on the host/,
  );
});
