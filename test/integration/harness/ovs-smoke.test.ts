// The harness itself: two namespace "containers" exchange real packets through a netdev
// bridge of a private OVS, and isolation holds when no flow allows the traffic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OvsInstance } from '../../harness/ovs';
import { Netns, uniqueIfname } from '../../harness/netns';
import { ping, startEchoServer, tcpProbe, udpProbe } from '../../harness/probes';
import { OVS_BINARIES, requireBinaries } from '../../harness/require';
import { withOvs } from '../../harness/with-ovs';

test('two namespaces ping each other through a private netdev bridge', async (t) => {
  await withOvs(t, { needs: ['ping'] }, async (ovs) => {
    const a = await Netns.create('c');
    t.after(() => a.destroy());
    const b = await Netns.create('c');
    t.after(() => b.destroy());
    await ovs.addNetdevBridge('br0');
    await ovs.attachContainer(a, { bridge: 'br0', hostIfname: uniqueIfname('va'), ip: '10.77.0.1/24', ofport: 1 });
    await ovs.attachContainer(b, { bridge: 'br0', hostIfname: uniqueIfname('vb'), ip: '10.77.0.2/24', ofport: 2 });

    // fail_mode=secure and no flows: nothing may pass.
    assert.equal(await ping(a, '10.77.0.2', { timeoutMs: 500 }), false, 'an empty secure bridge must drop');

    await ovs.ofctl('-O', 'OpenFlow13', 'add-flow', 'br0', 'priority=0,actions=NORMAL');
    assert.equal(await ping(a, '10.77.0.2', { count: 3, timeoutMs: 2000 }), true, 'a -> b after NORMAL flow');
    assert.equal(await ping(b, '10.77.0.1', { timeoutMs: 2000 }), true, 'b -> a after NORMAL flow');

    const tcp = await startEchoServer(b, 'tcp', 7000);
    t.after(() => tcp.stop());
    const udp = await startEchoServer(b, 'udp', 7001);
    t.after(() => udp.stop());
    assert.equal(await tcpProbe(a, '10.77.0.2', 7000), true, 'tcp a -> b');
    assert.equal(await udpProbe(a, '10.77.0.2', 7001), true, 'udp a -> b');
    assert.equal(await tcpProbe(a, '10.77.0.2', 7999, { timeoutMs: 500 }), false, 'closed tcp port');
  });
});

test('two private OVS instances run side by side without disturbing each other', async (t) => {
  if (!requireBinaries(t, [...OVS_BINARIES])) return;
  const first = await OvsInstance.start();
  t.after(() => first.stop());
  const second = await OvsInstance.start();
  t.after(() => second.stop());
  await first.addNetdevBridge('br0');
  await second.addNetdevBridge('br0');
  assert.match(await first.ofctl('-O', 'OpenFlow13', 'show', 'br0'), /OFPT_FEATURES_REPLY/);
  assert.match(await second.ofctl('-O', 'OpenFlow13', 'show', 'br0'), /OFPT_FEATURES_REPLY/);
  assert.notEqual(first.dbSocket, second.dbSocket);
});
