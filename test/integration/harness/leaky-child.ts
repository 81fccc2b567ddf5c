// Helper process for the stale-cleanup test: acquires a namespace, a private OVS, an etcd
// and a background process, reports them, then waits to be killed with SIGKILL.
import { OvsInstance } from '../../harness/ovs';
import { Netns } from '../../harness/netns';
import { Etcd } from '../../harness/etcd';
import { readPid } from '../../../controller/ovs/private-ovs';

async function main(): Promise<void> {
  const container = await Netns.create('c');
  const sleeper = container.spawn('sleep', ['600']);
  const ovs = await OvsInstance.start();
  const etcd = await Etcd.start();
  const report = {
    namespaces: [container.name, ovs.netns.name],
    pids: [
      readPid(ovs.ovs.pidfile('ovsdb-server')),
      readPid(ovs.ovs.pidfile('ovs-vswitchd')),
      readPid(`${etcd.dir}/etcd.pid`),
      sleeper.pid,
    ],
    dirs: [ovs.dir, etcd.dir],
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
  setInterval(() => undefined, 60_000);
}

void main();
