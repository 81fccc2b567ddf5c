// Spec conformance of the ovsnet CNI plugin's failures, driven directly (environment and
// stdin) against a real daemon: each failure answers the spec's error structure with the
// spec's code (ovsnet's own from 100 up), says what is wrong, and changes nothing.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Netns } from '../../harness/netns';
import { invokePlugin, sharedCniHost, type CniCall, type CniHost } from '../../harness/cni';
import { cniCall, ovsnetConf } from '../../harness/cni-calls';

function assertCniError(call: CniCall, code: number, pattern: RegExp): void {
  assert.notEqual(call.code, 0, `exit status is not 0: ${call.stdout}`);
  assert.equal(call.json['code'], code, `error code ${code}: ${call.stdout}`);
  assert.match(String(call.json['msg']), pattern);
  assert.equal(typeof call.json['cniVersion'], 'string');
}

async function noEndpoints(host: CniHost): Promise<void> {
  assert.deepEqual(await host.daemon.cli('endpoint', 'ls'), [], 'nothing was left behind');
}

describe('CNI errors with the spec codes', () => {
  const rig = sharedCniHost();
  const conf = (host: CniHost, extra: Record<string, unknown> = {}) =>
    ovsnetConf(host, { name: 'errs', subnet: '10.92.0.0/24', ...extra });

  test('VERSION lists every supported version, without a configuration or container', (t) =>
    rig.run(t, async (host) => {
      const answer = await invokePlugin(
        join(host.pluginDir, 'ovsnet'),
        { CNI_COMMAND: 'VERSION' },
        '{"cniVersion":"0.4.0"}',
      );
      assert.equal(answer.code, 0);
      assert.deepEqual(answer.json, { cniVersion: '0.4.0', supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0'] });
    }));

  test('malformed JSON: code 6', (t) =>
    rig.run(t, async (host) => {
      const ns = await Netns.create('c');
      t.after(() => ns.destroy());
      assertCniError(
        await cniCall(host, 'ADD', ns, {}, { stdin: '{"cniVersion": "1.0.0", "name": ' }),
        6,
        /not valid JSON/,
      );
      await noEndpoints(host);
    }));

  test('unknown and missing cniVersion: code 1 and 7', (t) =>
    rig.run(t, async (host) => {
      const ns = await Netns.create('c');
      t.after(() => ns.destroy());
      for (const command of ['ADD', 'DEL', 'CHECK'])
        assertCniError(
          await cniCall(host, command, ns, conf(host, { cniVersion: '0.2.0' })),
          1,
          /0\.2\.0 is not supported/,
        );
      assertCniError(await cniCall(host, 'ADD', ns, conf(host, { cniVersion: '2.0.0' })), 1, /2\.0\.0/);
      const { cniVersion: _omitted, ...unversioned } = conf(host);
      void _omitted;
      assertCniError(await cniCall(host, 'ADD', ns, unversioned), 7, /cniVersion/);
      await noEndpoints(host);
    }));

  test('missing or bad environment variables: code 4, naming the variable', (t) =>
    rig.run(t, async (host) => {
      const ns = await Netns.create('c');
      t.after(() => ns.destroy());
      const cases: Array<[string, string, string | undefined, RegExp]> = [
        ['ADD', 'CNI_COMMAND', undefined, /CNI_COMMAND is not set/],
        ['ADD', 'CNI_COMMAND', 'CREATE', /CNI_COMMAND "CREATE"/],
        ['ADD', 'CNI_CONTAINERID', undefined, /CNI_CONTAINERID is not set/],
        ['ADD', 'CNI_NETNS', undefined, /CNI_NETNS is not set/],
        ['ADD', 'CNI_IFNAME', undefined, /CNI_IFNAME is not set/],
        ['ADD', 'CNI_PATH', undefined, /CNI_PATH is not set/],
        ['CHECK', 'CNI_NETNS', undefined, /CNI_NETNS is not set/],
        ['DEL', 'CNI_CONTAINERID', undefined, /CNI_CONTAINERID is not set/],
        ['ADD', 'CNI_ARGS', 'IgnoreUnknown', /CNI_ARGS/],
      ];
      for (const [command, variable, value, pattern] of cases)
        assertCniError(await cniCall(host, command, ns, conf(host), { env: { [variable]: value } }), 4, pattern);
      await noEndpoints(host);
    }));

  test('a bad configuration value: code 7, naming the key', (t) =>
    rig.run(t, async (host) => {
      const ns = await Netns.create('c');
      t.after(() => ns.destroy());
      const cases: Array<[Record<string, unknown>, RegExp]> = [
        [{ icc: 'no' }, /"icc" must be true or false/],
        [{ subnet: '10.92.0.0' }, /"subnet" must be a subnet in CIDR form/],
        [{ mtu: 20 }, /"mtu" must be an integer from 68/],
        [{ tunnel: 'geneve' }, /"tunnel" must be "vxlan" or "gre"/],
        [{ name: 'bad name' }, /"name"/],
        [{ ipam: { type: 'no-such-ipam' } }, /"ipam.type": no plugin no-such-ipam/],
        [{ bridge: 'br-other' }, /"bridge": this ovsnet daemon owns bridge br-int/],
      ];
      for (const [extra, pattern] of cases)
        assertCniError(await cniCall(host, 'ADD', ns, conf(host, extra)), 7, pattern);
      const { name: _omitted, ...unnamed } = conf(host);
      void _omitted;
      assertCniError(await cniCall(host, 'ADD', ns, unnamed), 7, /"name" is missing/);
      await noEndpoints(host);
    }));

  test('the daemon not running: code 11, saying how to start it', (t) =>
    rig.run(t, async (host) => {
      const ns = await Netns.create('c');
      t.after(() => ns.destroy());
      const away = conf(host, { socket: join(host.dir, 'no-daemon.ctl') });
      for (const command of ['ADD', 'DEL'])
        assertCniError(await cniCall(host, command, ns, away), 11, /ovsnet daemon is not running.*ovsnet daemon/);
    }));

  test('an address pool with no free address left: code 100, and the failed ADD leaves nothing', (t) =>
    rig.run(t, async (host) => {
      const tiny = conf(host, { name: 'tiny', subnet: '10.93.0.0/30' });
      const [a, b] = [await Netns.create('c'), await Netns.create('c')];
      t.after(async () => {
        await cniCall(host, 'DEL', a, tiny, { containerId: 'a' });
        await Promise.all([a.destroy(), b.destroy()]);
      });
      const first = await cniCall(host, 'ADD', a, tiny, { containerId: 'a' });
      assert.equal(first.code, 0, first.stdout);
      assertCniError(await cniCall(host, 'ADD', b, tiny, { containerId: 'b' }), 100, /no free address/);
      const endpoints = (await host.daemon.cli('endpoint', 'ls')) as Array<{ containerName?: string }>;
      assert.deepEqual(
        endpoints.map((e) => e.containerName),
        ['a'],
      );
      assert.notEqual((await b.tryExec('ip', ['link', 'show', 'eth0'])).code, 0, 'no eth0 in the refused container');
    }));

  test('CHECK of a container ovsnet never saw: code 3; CHECK in 0.3.1 or without prevResult: code 1 and 7', (t) =>
    rig.run(t, async (host) => {
      const ns = await Netns.create('c');
      t.after(() => ns.destroy());
      const prevResult = { cniVersion: '1.0.0', interfaces: [], ips: [] };
      assertCniError(
        await cniCall(host, 'CHECK', ns, conf(host, { prevResult }), { containerId: 'stranger' }),
        3,
        /stranger has no interface eth0/,
      );
      assertCniError(
        await cniCall(host, 'CHECK', ns, conf(host, { cniVersion: '0.3.1', prevResult })),
        1,
        /CHECK needs/,
      );
      assertCniError(await cniCall(host, 'CHECK', ns, conf(host)), 7, /"prevResult" is missing/);
    }));

  test('ADD into a namespace that does not exist: code 3', (t) =>
    rig.run(t, async (host) => {
      const gone = await cniCall(host, 'ADD', undefined, conf(host), {
        env: { CNI_NETNS: '/run/netns/ovsnet-no-such-ns' },
      });
      assertCniError(gone, 3, /ovsnet-no-such-ns.*does not exist/);
      await noEndpoints(host);
    }));

  test('CHECK after a flow or the interface is deleted: code 101 naming what is missing', (t) =>
    rig.run(t, async (host) => {
      const ns = await Netns.create('c');
      t.after(async () => {
        await cniCall(host, 'DEL', ns, conf(host), { containerId: 'chk' });
        await ns.destroy();
      });
      const added = await cniCall(host, 'ADD', ns, conf(host), { containerId: 'chk' });
      assert.equal(added.code, 0, added.stdout);
      const withPrev = conf(host, { prevResult: added.json });
      assert.equal((await cniCall(host, 'CHECK', ns, withPrev, { containerId: 'chk' })).code, 0);
      const [endpoint] = (await host.daemon.cli('endpoint', 'ls')) as Array<{ ofport: number }>;
      // The reconciler repairs the flow within seconds: delete and CHECK at once, a few times.
      let failed: CniCall | undefined;
      for (let attempt = 0; attempt < 5 && failed === undefined; attempt++) {
        await host.ovs.ofctl('-O', 'OpenFlow13', 'del-flows', 'br-int', `in_port=${endpoint?.ofport}`);
        const checked = await cniCall(host, 'CHECK', ns, withPrev, { containerId: 'chk' });
        if (checked.code !== 0) failed = checked;
      }
      assert.ok(failed, 'CHECK failed while a flow was missing');
      assertCniError(failed, 101, /flows are missing from the switch/);
      await ns.exec('ip', ['link', 'set', 'eth0', 'down']);
      assertCniError(await cniCall(host, 'CHECK', ns, withPrev, { containerId: 'chk' }), 101, /eth0 is down/);
      await ns.exec('ip', ['addr', 'flush', 'dev', 'eth0']);
      assertCniError(await cniCall(host, 'CHECK', ns, withPrev, { containerId: 'chk' }), 101, /eth0 lacks address/);
      await ns.exec('ip', ['link', 'del', 'eth0']);
      assertCniError(
        await cniCall(host, 'CHECK', ns, withPrev, { containerId: 'chk' }),
        101,
        /interface eth0 is missing from/,
      );
    }));
});
