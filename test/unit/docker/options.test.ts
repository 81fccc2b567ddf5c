import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNetworkOptions, type NetworkOptions } from '../../../drivers/docker/options';

const GENERIC = 'com.docker.network.generic';
const generic = (opts: Record<string, unknown>, top: Record<string, unknown> = {}): Record<string, unknown> => ({
  [GENERIC]: opts,
  ...top,
});
const DEFAULTS: NetworkOptions = { icc: true, internal: false, enableIpv4: true, enableIpv6: false, ignored: [] };

const accepted: Array<{ name: string; input: unknown; expect: Partial<NetworkOptions> }> = [
  { name: 'null options', input: null, expect: {} },
  { name: 'absent options', input: undefined, expect: {} },
  {
    name: 'what Docker 28 sends with no -o',
    input: generic({}, { 'com.docker.network.enable_ipv4': true, 'com.docker.network.enable_ipv6': false }),
    expect: {},
  },
  { name: 'null generic map', input: { [GENERIC]: null }, expect: {} },
  { name: 'ovsnet.icc=false', input: generic({ 'ovsnet.icc': 'false' }), expect: { icc: false } },
  { name: 'ovsnet.icc=true', input: generic({ 'ovsnet.icc': 'true' }), expect: { icc: true } },
  {
    name: 'bridge enable_icc=false alias',
    input: generic({ 'com.docker.network.bridge.enable_icc': 'false' }),
    expect: { icc: false },
  },
  {
    name: 'bridge enable_icc=0 (Go ParseBool)',
    input: generic({ 'com.docker.network.bridge.enable_icc': '0' }),
    expect: { icc: false },
  },
  {
    name: 'both icc keys agreeing',
    input: generic({ 'ovsnet.icc': 'false', 'com.docker.network.bridge.enable_icc': 'false' }),
    expect: { icc: false },
  },
  { name: 'ovsnet.mtu lower bound', input: generic({ 'ovsnet.mtu': '68' }), expect: { mtu: 68 } },
  { name: 'ovsnet.mtu upper bound', input: generic({ 'ovsnet.mtu': '65535' }), expect: { mtu: 65535 } },
  { name: 'driver.mtu alias', input: generic({ 'com.docker.network.driver.mtu': '1450' }), expect: { mtu: 1450 } },
  {
    name: 'both mtu keys agreeing',
    input: generic({ 'ovsnet.mtu': '1400', 'com.docker.network.driver.mtu': '1400' }),
    expect: { mtu: 1400 },
  },
  { name: 'ovsnet.vni bounds', input: generic({ 'ovsnet.vni': '16777215' }), expect: { vni: 16777215 } },
  { name: 'ovsnet.vni=1', input: generic({ 'ovsnet.vni': '1' }), expect: { vni: 1 } },
  { name: 'ovsnet.tunnel=gre', input: generic({ 'ovsnet.tunnel': 'gre' }), expect: { tunnel: 'gre' } },
  { name: 'ovsnet.tunnel=vxlan', input: generic({ 'ovsnet.tunnel': 'vxlan' }), expect: { tunnel: 'vxlan' } },
  {
    name: 'ovsnet.name is the cross-host key',
    input: generic({ 'ovsnet.name': 'backend-1.prod_x' }),
    expect: { key: 'backend-1.prod_x' },
  },
  { name: '--internal', input: generic({}, { 'com.docker.network.internal': true }), expect: { internal: true } },
  { name: '--ipv6', input: generic({}, { 'com.docker.network.enable_ipv6': true }), expect: { enableIpv6: true } },
  {
    name: 'IPv6-only (enable_ipv4=false)',
    input: generic({}, { 'com.docker.network.enable_ipv4': false, 'com.docker.network.enable_ipv6': true }),
    expect: { enableIpv4: false, enableIpv6: true },
  },
  {
    name: 'top-level booleans as strings',
    input: { 'com.docker.network.internal': 'true' },
    expect: { internal: true },
  },
  {
    name: 'unrelated Docker keys and foreign keys are ignored (and reported)',
    input: generic({
      'com.docker.network.bridge.name': 'br9',
      'com.docker.network.bridge.enable_ip_masquerade': 'false',
      other: 'x',
    }),
    expect: { ignored: ['com.docker.network.bridge.name', 'com.docker.network.bridge.enable_ip_masquerade', 'other'] },
  },
  {
    name: 'everything at once',
    input: generic(
      {
        'ovsnet.icc': 'false',
        'ovsnet.mtu': '1450',
        'ovsnet.vni': '5001',
        'ovsnet.tunnel': 'vxlan',
        'ovsnet.name': 'web',
      },
      { 'com.docker.network.internal': true, 'com.docker.network.enable_ipv6': true },
    ),
    expect: { icc: false, mtu: 1450, vni: 5001, tunnel: 'vxlan', key: 'web', internal: true, enableIpv6: true },
  },
];

for (const row of accepted) {
  test(`options accepted: ${row.name}`, () => {
    assert.deepEqual(parseNetworkOptions(row.input), { ...DEFAULTS, ...row.expect });
  });
}

const refused: Array<{ name: string; input: unknown; message: RegExp }> = [
  {
    name: 'unknown ovsnet key',
    input: generic({ 'ovsnet.colour': 'blue' }),
    message:
      /unknown option ovsnet\.colour: ovsnet accepts ovsnet\.icc, ovsnet\.mtu, ovsnet\.vni, ovsnet\.tunnel, ovsnet\.name/,
  },
  {
    name: 'icc not a boolean',
    input: generic({ 'ovsnet.icc': 'maybe' }),
    message: /invalid value "maybe" for option ovsnet\.icc: accepted values are true or false/,
  },
  {
    name: 'bridge icc not a boolean',
    input: generic({ 'com.docker.network.bridge.enable_icc': 'yes' }),
    message: /option com\.docker\.network\.bridge\.enable_icc: accepted values are true or false/,
  },
  {
    name: 'mtu too small',
    input: generic({ 'ovsnet.mtu': '67' }),
    message: /"67" for option ovsnet\.mtu: accepted values are an integer from 68 to 65535/,
  },
  {
    name: 'mtu too large',
    input: generic({ 'ovsnet.mtu': '65536' }),
    message: /ovsnet\.mtu: accepted values are an integer from 68 to 65535/,
  },
  { name: 'mtu not decimal', input: generic({ 'ovsnet.mtu': '0x5dc' }), message: /ovsnet\.mtu/ },
  { name: 'mtu with sign', input: generic({ 'ovsnet.mtu': '+1500' }), message: /ovsnet\.mtu/ },
  { name: 'mtu empty', input: generic({ 'ovsnet.mtu': '' }), message: /ovsnet\.mtu/ },
  {
    name: 'driver.mtu alias out of range',
    input: generic({ 'com.docker.network.driver.mtu': '9' }),
    message: /com\.docker\.network\.driver\.mtu: accepted values are an integer from 68 to 65535/,
  },
  {
    name: 'vni zero',
    input: generic({ 'ovsnet.vni': '0' }),
    message: /ovsnet\.vni: accepted values are an integer from 1 to 16777215/,
  },
  { name: 'vni 2^24', input: generic({ 'ovsnet.vni': '16777216' }), message: /ovsnet\.vni/ },
  {
    name: 'tunnel geneve',
    input: generic({ 'ovsnet.tunnel': 'geneve' }),
    message: /"geneve" for option ovsnet\.tunnel: accepted values are vxlan or gre/,
  },
  { name: 'tunnel upper case', input: generic({ 'ovsnet.tunnel': 'VXLAN' }), message: /ovsnet\.tunnel/ },
  {
    name: 'name with a space',
    input: generic({ 'ovsnet.name': 'my net' }),
    message: /ovsnet\.name: accepted values are a name of letters/,
  },
  { name: 'name too long', input: generic({ 'ovsnet.name': 'a'.repeat(64) }), message: /ovsnet\.name/ },
  {
    name: 'conflicting icc keys',
    input: generic({ 'ovsnet.icc': 'true', 'com.docker.network.bridge.enable_icc': 'false' }),
    message: /ovsnet\.icc=true and com\.docker\.network\.bridge\.enable_icc=false contradict/,
  },
  {
    name: 'conflicting mtu keys',
    input: generic({ 'ovsnet.mtu': '1400', 'com.docker.network.driver.mtu': '1500' }),
    message: /ovsnet\.mtu=1400 and com\.docker\.network\.driver\.mtu=1500 contradict/,
  },
  {
    name: 'ovsnet value not a string',
    input: generic({ 'ovsnet.mtu': 1500 }),
    message: /option ovsnet\.mtu must be a string/,
  },
  {
    name: 'ovsnet key at the top level',
    input: { 'ovsnet.mtu': '1500' },
    message: /ovsnet\.mtu must be given with -o/,
  },
  {
    name: 'internal not boolean',
    input: { 'com.docker.network.internal': 'sometimes' },
    message: /com\.docker\.network\.internal must be true or false/,
  },
  {
    name: 'generic not an object',
    input: { [GENERIC]: 'ovsnet.mtu=1' },
    message: /com\.docker\.network\.generic must be an object/,
  },
  { name: 'options an array', input: [], message: /Options must be an object/ },
];

for (const row of refused) {
  test(`options refused: ${row.name}`, () => {
    assert.throws(
      () => parseNetworkOptions(row.input),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'INVALID_ARGUMENT');
        assert.match(error.message, row.message);
        return true;
      },
    );
  });
}
