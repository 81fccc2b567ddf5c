// The lab's one etcd, in the underlay namespace: every host reaches it over the underlay at
// 172.31.0.254:2379, as hosts of a real cluster reach their store over the network.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ETCD_PORT, type LabPlan } from './plan';
import { isRunning, sleep, spawnDetached, tail } from './processes';
import { inNetns, run } from './run';
import type { ProcessRecord } from './state';

const LOCAL_CLIENT_URL = `http://127.0.0.1:${ETCD_PORT}`;
const LOCAL_PEER_URL = 'http://127.0.0.1:2380';

export function etcdctlEnv(plan: LabPlan): NodeJS.ProcessEnv {
  return { ETCDCTL_API: '3', ETCDCTL_ENDPOINTS: plan.etcd.url };
}

export async function startEtcd(plan: LabPlan, record: (process: ProcessRecord) => void): Promise<void> {
  mkdirSync(plan.etcd.dir, { recursive: true });
  const etcd = spawnDetached(
    inNetns(plan.underlay.netns, [
      'etcd',
      '--name',
      'lab',
      '--data-dir',
      join(plan.etcd.dir, 'data'),
      '--listen-client-urls',
      `${plan.etcd.url},${LOCAL_CLIENT_URL}`,
      '--advertise-client-urls',
      plan.etcd.url,
      '--listen-peer-urls',
      LOCAL_PEER_URL,
      '--initial-advertise-peer-urls',
      LOCAL_PEER_URL,
      '--initial-cluster',
      `lab=${LOCAL_PEER_URL}`,
    ]),
    plan.etcd.log,
  );
  record({ ...etcd, role: 'etcd' });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (!isRunning(etcd)) throw new Error(`etcd exited during start-up:\n${tail(plan.etcd.log)}`);
    const health = await run(
      inNetns(plan.underlay.netns, [
        'etcdctl',
        `--endpoints=${LOCAL_CLIENT_URL}`,
        '--dial-timeout=1s',
        '--command-timeout=2s',
        'endpoint',
        'health',
      ]),
      { env: { ...process.env, ETCDCTL_API: '3' }, timeoutMs: 5_000 },
    );
    if (health.code === 0) return;
    if (Date.now() > deadline) throw new Error(`etcd did not become healthy: ${health.stderr}\n${tail(plan.etcd.log)}`);
    await sleep(100);
  }
}
