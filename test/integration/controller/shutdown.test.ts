// A program that embeds the daemon must be able to stop it and exit, even when
// ovs-vswitchd stopped answering: nothing ovsnet waits on may outlive stop().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { makeRunDir } from '../../harness/ledger';
import { withOvs } from '../../harness/with-ovs';
import { readPid } from '../../../controller/ovs/private-ovs';

interface Event {
  event: string;
  ms?: number;
  join?: string;
  message?: string;
}

test('a daemon stopped while a join and the port pool wait on a frozen ovs-vswitchd lets its process exit', async (t) => {
  await withOvs(t, async (ovs, scope) => {
    const stateDir = makeRunDir('state');
    scope.defer(() => rmSync(stateDir, { recursive: true, force: true }));
    const vswitchdPid = readPid(ovs.ovs.pidfile('ovs-vswitchd'));
    assert.ok(vswitchdPid !== undefined, 'ovs-vswitchd has a pid');
    // The helper freezes ovs-vswitchd; it must run again before the OVS can be stopped.
    scope.defer(() => process.kill(vswitchdPid, 'SIGCONT'));
    const settings = { ovsdb: ovs.dbRemote, rundir: ovs.rundir, netns: ovs.netns.name, stateDir, vswitchdPid };
    const child = spawn(process.execPath, [join(__dirname, 'embedded-daemon.js'), JSON.stringify(settings)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const events: Event[] = [];
    let stoppedAt: number | undefined;
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const lines = out.split('\n');
      out = lines.pop() ?? '';
      for (const line of lines) {
        const event = JSON.parse(line) as Event;
        if (event.event === 'stopped') stoppedAt = Date.now();
        events.push(event);
      }
    });
    const exited = await new Promise<{ code: number | null; at: number } | undefined>((resolve) => {
      const limit = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(undefined);
      }, 60_000);
      child.once('exit', (code) => {
        clearTimeout(limit);
        resolve({ code, at: Date.now() });
      });
    });
    const stopped = events.find((e) => e.event === 'stopped');
    assert.deepEqual(
      events.filter((e) => e.event === 'error'),
      [],
      'the helper ran through',
    );
    assert.ok(stopped, `the daemon's stop() returned (events: ${JSON.stringify(events)})`);
    assert.ok((stopped.ms ?? Infinity) < 5000, `stop() took ${stopped.ms} ms`);
    assert.match(
      stopped.join ?? '',
      /^failed: .*stopping|^failed: .*closed|^failed: .*stopped/,
      'the waiting join failed with a clear reason',
    );
    assert.ok(exited, 'the process exited by itself within a minute');
    assert.equal(exited.code, 0);
    assert.ok(
      stoppedAt !== undefined && exited.at - stoppedAt < 5000,
      `the process exited ${stoppedAt === undefined ? '?' : exited.at - stoppedAt} ms after stop() returned`,
    );
  });
});
