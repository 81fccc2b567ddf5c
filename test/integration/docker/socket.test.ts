// The socket file: where and how it appears, what happens to leftovers and rivals, and
// that close() leaves nothing behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ControllerDouble } from '../../harness/controller-double';
import { callPlugin, tempPluginDir } from '../../harness/plugin-client';
import { servePluginDouble as start } from '../../harness/plugin-double';

/** A socket file nobody listens on, as a killed plugin leaves behind. */
function makeStaleSocket(path: string): void {
  const r = spawnSync('/usr/bin/python3', [
    '-c',
    'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])',
    path,
  ]);
  assert.equal(r.status, 0, r.stderr.toString());
  assert.ok(lstatSync(path).isSocket());
}

test('the socket is <pluginDir>/ovsnet.sock, mode 0600, and close() removes it', async (t) => {
  const dir = tempPluginDir(t);
  const plugin = await start(dir);
  const path = join(dir, 'ovsnet.sock');
  assert.equal(plugin.socketPath, path);
  const info = lstatSync(path);
  assert.ok(info.isSocket());
  assert.equal(info.mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(dir), ['ovsnet.sock'], 'no temporary files left next to it');
  assert.equal((await callPlugin(path, 'Plugin.Activate')).status, 200);
  await plugin.close();
  assert.equal(existsSync(path), false);
  await plugin.close(); // a second close is harmless
});

test('the plugin directory is created when missing', async (t) => {
  const dir = join(tempPluginDir(t), 'run', 'docker', 'plugins');
  const plugin = await start(dir);
  t.after(() => plugin.close());
  assert.equal((await callPlugin(plugin.socketPath, 'NetworkDriver.GetCapabilities')).json['Scope'], 'local');
});

test('a stale socket file is replaced', async (t) => {
  const dir = tempPluginDir(t);
  const path = join(dir, 'ovsnet.sock');
  makeStaleSocket(path);
  const staleIno = lstatSync(path).ino;
  const plugin = await start(dir);
  t.after(() => plugin.close());
  assert.notEqual(lstatSync(path).ino, staleIno);
  assert.equal(lstatSync(path).mode & 0o777, 0o600);
  assert.deepEqual((await callPlugin(path, 'Plugin.Activate')).json, { Implements: ['NetworkDriver', 'IpamDriver'] });
});

test('a live socket is refused with a clear error and keeps serving its owner', async (t) => {
  const dir = tempPluginDir(t);
  const first = await start(dir);
  t.after(() => first.close());
  await assert.rejects(start(dir), /another server is already listening on .*ovsnet\.sock; stop it first/);
  assert.equal((await callPlugin(first.socketPath, 'Plugin.Activate')).status, 200);
  assert.deepEqual(readdirSync(dir), ['ovsnet.sock']);
});

test('a regular file with the socket name is never deleted', async (t) => {
  const dir = tempPluginDir(t);
  const path = join(dir, 'ovsnet.sock');
  writeFileSync(path, 'keep me');
  await assert.rejects(start(dir), /exists and is not a socket; refusing to replace it/);
  assert.equal(readFileSync(path, 'utf8'), 'keep me');
});

test('close() lets a running call finish, then refuses new connections', async (t) => {
  const dir = tempPluginDir(t);
  const controller = new ControllerDouble();
  const plugin = await start(dir, controller);
  await callPlugin(plugin.socketPath, 'NetworkDriver.CreateNetwork', {
    NetworkID: 'n',
    IPv4Data: [{ Pool: '10.2.0.0/24' }],
  });
  let release: () => void = () => undefined;
  controller.delayNext('deleteNetwork', new Promise<void>((resolve) => (release = resolve)));
  const slow = callPlugin(plugin.socketPath, 'NetworkDriver.DeleteNetwork', { NetworkID: 'n' });
  while (!controller.methods().includes('deleteNetwork')) await new Promise((r) => setTimeout(r, 5));
  const closing = plugin.close();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(existsSync(plugin.socketPath), false, 'the socket file goes first so Docker stops dialling');
  release();
  assert.deepEqual((await slow).json, {});
  await closing;
  assert.equal(controller.networks.size, 0);
  await assert.rejects(callPlugin(plugin.socketPath, 'Plugin.Activate'), /ENOENT/);
});

test('close() does not remove a socket that a successor put in its place', async (t) => {
  const dir = tempPluginDir(t);
  const first = await start(dir);
  const path = first.socketPath;
  // Simulate an operator starting a new plugin after removing ours by hand.
  spawnSync('rm', ['-f', path]);
  const second = await start(dir);
  t.after(() => second.close());
  await first.close();
  assert.ok(existsSync(path));
  assert.equal((await callPlugin(path, 'Plugin.Activate')).status, 200);
});
