// `ovsnet up` as a first-time user runs it: no OVS running, so it starts a private one
// under the state dir, creates the integration bridge, reports ready, and on Ctrl-C stops
// everything it started. Runs inside a test namespace so it cannot meet any system OVS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { Netns } from '../../harness/netns';
import { makeRunDir } from '../../harness/ledger';
import { OVS_BINARIES, requireBinaries } from '../../harness/require';
import { isAlive, readPid, sleep } from '../../../controller/ovs/private-ovs';
import { runOk } from '../../../controller/host/exec';
import { DAEMON_NODE_FLAGS } from '../../../drivers/cli/heap-settings';

const cli = join(__dirname, '..', '..', '..', 'drivers', 'cli', 'main.js');

test('ovsnet up starts a private OVS with br-int, reports ready, and stops it on SIGINT', async (t) => {
  if (!requireBinaries(t, OVS_BINARIES)) return;
  const ns = await Netns.create('up');
  t.after(() => ns.destroy());
  const stateDir = makeRunDir('up');
  t.after(() => rmSync(stateDir, { recursive: true, force: true }));

  const child = ns.spawn(process.execPath, [
    ...DAEMON_NODE_FLAGS,
    cli,
    'up',
    '--state-dir',
    stateDir,
    '--plugin-dir',
    join(stateDir, 'plugins'),
    '--log-level',
    'info',
  ]);
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const deadline = Date.now() + 30_000;
  while (!stderr.includes('ovsnet is ready')) {
    assert.equal(child.exitCode, null, `ovsnet up exited early:\n${stderr}`);
    assert.ok(Date.now() < deadline, `not ready in time:\n${stderr}`);
    await sleep(50);
  }
  const ready = JSON.parse(stderr.split('\n').find((l) => l.includes('ovsnet is ready')) as string) as Record<
    string,
    unknown
  >;
  assert.equal(ready['bridge'], 'br-int');
  assert.equal(ready['datapath'], 'netdev');
  assert.equal(ready['privateOvs'], true);
  assert.equal(ready['plugin'], join(stateDir, 'plugins', 'ovsnet.sock'), 'the Docker plugin socket is served');

  const ovsDir = join(stateDir, 'ovs');
  const db = `--db=unix:${join(ovsDir, 'db.sock')}`;
  assert.equal((await runOk('ovs-vsctl', [db, 'get', 'bridge', 'br-int', 'fail_mode'])).trim(), 'secure');
  assert.equal((await runOk('ovs-vsctl', [db, 'get', 'bridge', 'br-int', 'datapath_type'])).trim(), 'netdev');
  const pids = [readPid(join(ovsDir, 'ovsdb-server.pid')), readPid(join(ovsDir, 'ovs-vswitchd.pid'))];
  assert.ok(
    pids.every((p) => p !== undefined && isAlive(p)),
    'both daemons run',
  );

  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 0, stderr);
  for (const pid of pids) assert.ok(!isAlive(pid as number), `daemon ${pid} stopped`);
});
