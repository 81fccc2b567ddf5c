// A test run killed with SIGKILL leaves daemons and namespaces behind; the next run's
// cleanup must remove exactly those (and nothing of a run still alive).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cleanStale } from '../../harness/ledger';
import { Netns } from '../../harness/netns';
import { isAlive, sleep } from '../../../controller/ovs/private-ovs';
import { ETCD_BINARIES, OVS_BINARIES, requireBinaries } from '../../harness/require';

interface Report {
  namespaces: string[];
  pids: number[];
  dirs: string[];
}

function namespaces(): string[] {
  return (spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '')
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '');
}

test('leftovers of a SIGKILLed test run are removed by the next run, live runs are spared', async (t) => {
  if (!requireBinaries(t, [...OVS_BINARIES, ...ETCD_BINARIES])) return;
  const mine = await Netns.create('live');
  t.after(() => mine.destroy());

  const child = spawn(process.execPath, [join(__dirname, 'leaky-child.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const report = await new Promise<Report>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0] as string) as Report);
    });
    child.once('exit', (code) => reject(new Error(`leaky child exited early with ${code}`)));
  });
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  // A safety net in case the assertions below fail: never leave the child's daemons.
  t.after(() => cleanStale());

  for (const ns of report.namespaces) assert.ok(namespaces().includes(ns), `${ns} survives the kill`);
  for (const pid of report.pids) assert.ok(isAlive(pid), `pid ${pid} survives the kill`);

  const removed = cleanStale();
  assert.ok(removed >= report.namespaces.length + report.dirs.length, `removed ${removed}`);
  for (const ns of report.namespaces) assert.ok(!namespaces().includes(ns), `${ns} removed`);
  for (const dir of report.dirs) assert.ok(!existsSync(dir), `${dir} removed`);
  const deadline = Date.now() + 5000;
  while (report.pids.some(isAlive) && Date.now() < deadline) await sleep(50);
  for (const pid of report.pids) assert.ok(!isAlive(pid), `pid ${pid} ended`);
  assert.ok(namespaces().includes(mine.name), 'a namespace of a live run is left alone');
});
