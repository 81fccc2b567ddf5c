// The daemon out of file descriptors: with its limit cut to just above what it holds, a
// crowd of clients on the control and plugin sockets makes accept() fail with EMFILE. The
// daemon must log it and live on, and serve both sockets once the crowd is gone.
// That crowd alone cannot tell whether the servers handle accept errors: libuv (Node 20)
// keeps a spare descriptor, and on EMFILE closes it, accepts and drops the waiting clients,
// and opens it again; with no spare left it retries quietly. Either way no 'error' reaches
// the server. So the second test hands each real server the error Node delivers when an
// accept does fail, long after listen: unhandled, that 'error' ends the process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect, Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import pino from 'pino';
import { request } from 'node:http';
import { join } from 'node:path';
import { runOk } from '../../../controller/host/exec';
import { callControl, requestControl } from '../../../controller/control/client';
import { startControlServer } from '../../../controller/control/server';
import type { Handlers } from '../../../controller/control/contract';
import { PluginServer } from '../../../drivers/docker/server';
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

/** This process's listening servers by the unix socket each was bound to. */
function listeningServers(): Map<string, Server> {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  const servers = handles.filter((h): h is Server => h instanceof Server && typeof h.address() === 'string');
  return new Map(servers.map((s) => [s.address() as string, s]));
}

/** What Node emits on a listening server when accept() fails (net.js onconnection). */
function acceptError(): Error {
  return Object.assign(new Error('accept EMFILE'), { code: 'EMFILE', errno: -24, syscall: 'accept' });
}

test('an accept error long after listen is logged by the control and plugin servers, which keep serving', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ovsnet-accept-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const logged: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => logged.push(line) });
  const handlers: Handlers<{ echo: { params: unknown; result: unknown } }> = { echo: (p) => Promise.resolve(p) };
  const control = await startControlServer(join(dir, 'ovsnet.ctl'), handlers, logger);
  t.after(() => control.close());
  const plugin = await PluginServer.start({ socketPath: join(dir, 'plugin.sock'), routes: new Map(), logger });
  t.after(() => plugin.close());
  // Serve a call first: the handlers must outlive start-up, not just cover listen().
  assert.deepEqual(await requestControl(control.path, 'echo', [1]), [1]);
  assert.match(await activate(plugin.socketPath), /Err/);

  // The plugin socket is bound under a private directory beside its name, then renamed.
  const servers = listeningServers();
  const pluginServer = [...servers].find(([bound]) => bound.startsWith(dir) && bound !== control.path)?.[1];
  for (const [path, server] of [
    [control.path, servers.get(control.path)],
    [plugin.socketPath, pluginServer],
  ] as const) {
    assert.ok(server, `a server listens for ${path}`);
    assert.doesNotThrow(() => server.emit('error', acceptError()), `an accept error on ${path}`);
    assert.ok(
      logged.some((line) => line.includes('accept failed') && line.includes(path)),
      `logged: ${logged.join('')}`,
    );
  }
  assert.deepEqual(await requestControl(control.path, 'echo', [2]), [2], 'the control socket still serves');
  assert.match(await activate(plugin.socketPath), /Err/, 'the plugin socket still serves');
});
