// Field values between text and bytes: addresses in every RFC 4291 spelling, MACs, widths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeValue, decodeValue, formatIpv6 } from '../../../flows/ofp/values';
import { fieldDef } from '../../../flows/ofp/fields';

const v6 = fieldDef('ipv6_src')!;

test('IPv6 text forms encode to the right 16 bytes and print back in RFC 5952 form', () => {
  const cases: Array<[string, string, string]> = [
    ['::', '00000000000000000000000000000000', '::'],
    ['::1', '00000000000000000000000000000001', '::1'],
    ['fe80::1', 'fe800000000000000000000000000001', 'fe80::1'],
    ['2001:DB8:0:0:1:0:0:1', '20010db8000000000001000000000001', '2001:db8::1:0:0:1'],
    ['::ffff:10.0.0.1', '00000000000000000000ffff0a000001', '::ffff:a00:1'],
    ['64:ff9b::192.0.2.33', '0064ff9b0000000000000000c0000221', '64:ff9b::c000:221'],
    ['1::', '00010000000000000000000000000000', '1::'],
  ];
  for (const [text, bytes, printed] of cases) {
    assert.equal(encodeValue(v6, text).toString('hex'), bytes, text);
    assert.equal(formatIpv6(Buffer.from(bytes, 'hex')), printed, text);
  }
});

test('malformed addresses are refused with the field named', () => {
  for (const bad of ['1:2:3:4:5:6:7', '1::2::3', 'g::1', '1:2:3:4:5:6:7:8:9', '12345::1', '::1.2.3', '']) {
    assert.throws(() => encodeValue(v6, bad), /ipv6_src: ".*" is not an IPv6 address/, bad);
  }
  assert.throws(() => encodeValue(fieldDef('ip_src')!, '10.0.0.256'), /not an IPv4 address/);
  assert.throws(() => encodeValue(fieldDef('eth_dst')!, '02:00:00:00:00'), /not a MAC address/);
  assert.throws(() => encodeValue(fieldDef('reg0')!, 2 ** 32), /does not fit in 32 bits/);
  assert.throws(() => encodeValue(fieldDef('tun_id')!, -1n), /does not fit in 64 bits/);
});

test('128-bit fields (ct_label, xxreg) take bigints', () => {
  const label = fieldDef('ct_label')!;
  const bytes = encodeValue(label, (1n << 127n) | 5n);
  assert.equal(bytes.toString('hex'), '80000000000000000000000000000005');
  assert.equal(decodeValue(label, bytes), (1n << 127n) | 5n);
  assert.equal(fieldDef('tun_ipv4_src')?.name, 'tun_src', 'ovs-fields aliases resolve');
});
