// The daemon out of file descriptors: with its limit cut to just above what it holds, a
// crowd of clients on the control and plugin sockets makes accept() fail with EMFILE. The
// daemon must log it and live on, and serve both sockets once the crowd is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { request } from 'node:http';
import { join } from 'node:path';
import { runOk } from '../../../controller/host/exec';
import { callControl } from '../../../controller/control/client';
import { ovsnetDaemonFor } from '../../harness/ovsnet-daemon';
import { withRig } from '../../harness/rig';
import { ovsNeeds, startOvs } from '../../harness/with-ovs';

function activate(socketPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: '/Plugin.Activate', method: 'POST' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end('{}');
  });
}

/** Connections held open; `turnedAway` counts those the daemon closed (it had no descriptor for them). */
function crowd(path: string, count: number, turnedAway: { count: number }): Socket[] {
  return Array.from({ length: count }, () => {
    const socket = connect(path);
    socket.on('error', () => undefined); // refused or reset by a daemon out of descriptors
    socket.on('close', () => turnedAway.count++);
    return socket;
  });
}

test('accept() failing with EMFILE on the control and plugin sockets neither stops nor breaks the daemon', async (t) => {
  await withRig(t, { needs: ovsNeeds({ needs: ['prlimit'] }), start: startOvs }, async (ovs, scope) => {
    const daemon = ovsnetDaemonFor(scope, ovs);
    await daemon.start();
    const pid = daemon.pid as number;
    const control = join(daemon.stateDir, 'ovsnet.ctl');
    const plugin = join(daemon.stateDir, 'plugins', 'ovsnet.sock');
    const held = readdirSync(`/proc/${pid}/fd`).length;
    const soft = /Max open files\s+(\d+)/.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'))?.[1] as string;
    // The soft limit only: lowering it is always allowed, and raising it back too.
    await runOk('prlimit', ['--pid', String(pid), `--nofile=${held + 6}:`]);
    const turnedAway = { count: 0 };
    const clients = [...crowd(control, 150, turnedAway), ...crowd(plugin, 150, turnedAway)];
    await new Promise((r) => setTimeout(r, 1500));
    assert.doesNotThrow(() => process.kill(pid, 0), 'the daemon is alive');
    // libuv accepts and drops what it has no descriptor for, or reports EMFILE (logged).
    assert.ok(turnedAway.count > 100, `the daemon ran out of descriptors (${turnedAway.count} clients turned away)`);
    for (const c of clients) {
      c.removeAllListeners('close');
      c.destroy();
    }
    await runOk('prlimit', ['--pid', String(pid), `--nofile=${soft}:`]);
    await new Promise((r) => setTimeout(r, 500));

    assert.equal(daemon.pid, pid, 'the daemon never exited');
    const status = await callControl(control, 'status', {});
    assert.ok(status, 'the control socket answers');
    assert.match(await activate(plugin), /NetworkDriver/, 'the plugin socket answers');
  });
});
