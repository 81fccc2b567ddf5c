// Validation of manual-attach requests: what a user may type, normalised, and a precise
// complaint for everything else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateAddPort } from '../../../controller/attach/request';
import { matchesTarget } from '../../../controller/attach/target';
import { attachEndpointId } from '../../../controller/attach/managed';

const base = { bridge: 'ovs-br1', ifname: 'eth1', container: 'c1' };

test('addresses are normalised; a bare address gets a host prefix as ip addr add gives it', () => {
  assert.equal(validateAddPort({ ...base, address: '173.16.1.2/24' }).address, '173.16.1.2/24');
  assert.equal(validateAddPort({ ...base, address: '173.16.1.2' }).address, '173.16.1.2/32');
  assert.equal(validateAddPort({ ...base, address: 'FD00::0002/64' }).address, 'fd00::2/64');
  assert.equal(validateAddPort({ ...base, mac: 'A2-C3-0D-49-7F-F8' }).mac, 'a2:c3:0d:49:7f:f8');
});

test('bad input is refused with the option named', () => {
  const cases: Array<[Partial<typeof base> & Record<string, unknown>, RegExp]> = [
    [{ address: '173.16.1.2/33' }, /--ipaddress/],
    [{ address: 'ten.0.0.1/8' }, /--ipaddress/],
    [{ address: '173.16.1.2/24', gateway: 'fd00::1' }, /same family/],
    [{ gateway: '300.1.1.1' }, /--gateway/],
    [{ mac: '01:00:5e:00:00:01' }, /multicast/],
    [{ mac: '00:00:00:00:00:00' }, /all zeros/],
    [{ mtu: 67 }, /--mtu must be an integer from 68 to 65535/],
    [{ mtu: 1500.5 }, /--mtu/],
    [{ vlan: 0 }, /VLAN must be an integer from 1 to 4094/],
    [{ vlan: 4095 }, /VLAN/],
    [{ netns: 'relative/path' }, /--netns must be a process id or an absolute path/],
    [{ ifname: 'an-interface-name-too-long' }, /not a valid interface name/],
    [{ ifname: 'eth 1' }, /not a valid interface name/],
    [{ bridge: 'br;rm -rf /' }, /not a valid bridge name/],
    [{ container: '-rf' }, /not a valid container name or id/],
  ];
  for (const [change, message] of cases) {
    assert.throws(
      () => validateAddPort({ ...base, ...change }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'INVALID_ARGUMENT', JSON.stringify(change));
        assert.match(error.message, message, JSON.stringify(change));
        return true;
      },
    );
  }
});

test('a port labelled with a short id, the full id or the name is the same container', () => {
  const full = '93e0c74825996495194bba2d5c8282a3d87fb3fe8e93d5879f49719c48ecc606';
  const target = { given: 'web', aliases: ['web', full], fullId: full };
  assert.equal(matchesTarget(target, 'web'), true);
  assert.equal(matchesTarget(target, full), true);
  assert.equal(matchesTarget(target, full.slice(0, 12)), true, 'docker ps short id');
  assert.equal(matchesTarget(target, full.slice(0, 4)), false, 'too short to be an id');
  assert.equal(matchesTarget(target, 'web2'), false);
  assert.equal(matchesTarget(target, undefined), false);
});

test('endpoint ids of attached ports are stable per container and interface', () => {
  assert.equal(attachEndpointId('c1', 'eth1'), attachEndpointId('c1', 'eth1'));
  assert.notEqual(attachEndpointId('c1', 'eth1'), attachEndpointId('c1', 'eth2'));
  assert.notEqual(attachEndpointId('c1', 'eth1'), attachEndpointId('c1e', 'th1'));
});
