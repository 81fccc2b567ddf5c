// State written by an older ovsnet, which kept the gateway's OpenFlow port number in the
// network record, still works: the daemon moves the number to this host's own key at start,
// and the gateway port on the bridge is kept as it is (not recreated).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { withControllerHost } from './fixture';
import { ping } from '../../harness/probes';
import { FileKvStore } from '../../../controller/store/file-store';
import { keys, type NetworkRecord } from '../../../controller/cnm/records';

test('a network record that carries its gateway number (older state) is migrated; the gateway port stays', async (t) => {
  await withControllerHost(t, { needs: ['ping'] }, async (host) => {
    await host.network('n', '10.64.0.0/24');
    const c = await host.container('n', 'ep-a-0123456789', '10.64.0.2/24');
    const network = (await host.daemon.registry.networks.get('n')) as NetworkRecord;
    const number = (await host.daemon.registry.gatewayPorts.numbers()).get('n') as number;
    const uuid = async (): Promise<string> =>
      (await host.ovs.vsctl('get', 'Interface', network.gatewayIfname, '_uuid')).trim();
    const before = await uuid();
    await host.daemon.stop();

    // Rewrite the state as an older ovsnet left it: the number in the record, no gw/ key.
    const store = FileKvStore.open(join(host.stateDir, 'store'));
    await store.txn({
      puts: [{ key: keys.network('n'), value: { ...network, gatewayOfport: number } }],
      deletes: [keys.gatewayPort('n')],
    });
    await store.close();

    await host.startDaemonAgain();
    const { registry } = host.daemon;
    assert.equal((await registry.networks.get('n'))?.gatewayOfport, undefined, 'moved out of the record');
    assert.equal((await registry.gatewayPorts.numbers()).get('n'), number, 'into this host’s key, unchanged');
    await host.daemon.dataplane.waitSynced(10_000);
    assert.equal(await uuid(), before, 'the gateway port was not recreated');
    assert.equal(
      (await host.ovs.vsctl('get', 'Interface', network.gatewayIfname, 'ofport_request')).trim(),
      String(number),
    );
    assert.ok(await ping(c.ns, '10.64.0.1', { timeoutMs: 2000 }), 'the container still reaches its gateway');
  });
});
