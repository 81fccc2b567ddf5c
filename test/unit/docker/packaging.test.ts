// The shipped systemd unit and managed-plugin config.json must agree with the code: the
// socket name the plugin serves, the plugin directory, the command line the CLI accepts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseArgs } from '../../../drivers/cli/args';
import { DEFAULT_PLUGIN_DIR, PLUGIN_NAME } from '../../../drivers/docker/plugin';
import { SYSTEM_OVSDB } from '../../../controller/embedded';

const ROOT = resolve(__dirname, '..', '..', '..', '..');
const PACKAGING = join(ROOT, 'drivers', 'docker', 'packaging');
const CLI = join(ROOT, 'dist', 'drivers', 'cli', 'main.js');

/** `[Section]` -> key -> values (systemd keys may repeat). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = new Map();
      sections.set(header[1] as string, current);
      continue;
    }
    const eq = line.indexOf('=');
    assert.ok(current && eq > 0, `unit line outside a section or without "=": ${line}`);
    const key = line.slice(0, eq).trim();
    current.set(key, [...(current.get(key) ?? []), line.slice(eq + 1).trim()]);
  }
  return sections;
}

/** Each --option of the daemon command line is one `ovsnet --help` documents. */
function assertDaemonCommandLine(argv: string[], where: string): void {
  assert.equal(argv[0]?.split('/').pop(), 'ovsnet', `${where} runs the ovsnet binary (package.json bin)`);
  const args = parseArgs(argv.slice(1));
  assert.equal(args.command, 'daemon', `${where} runs "ovsnet daemon"`);
  assert.deepEqual(args.positionals, [], where);
  const help = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' }).stdout;
  for (const option of args.options.keys())
    assert.match(help, new RegExp(`--${option} `), `${where}: --${option} is an option ovsnet knows`);
  assert.equal(args.options.get('plugin-dir'), DEFAULT_PLUGIN_DIR, `${where} serves where Docker looks for plugins`);
  assert.equal(args.options.get('ovsdb') ?? SYSTEM_OVSDB, SYSTEM_OVSDB, `${where} uses the system OVSDB`);
}

test('package.json names the binary the unit and the plugin run', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  assert.equal(pkg.bin['ovsnet'], 'dist/drivers/cli/main.js');
});

test('ovsnet.service runs `ovsnet daemon` before docker.service, restarts it, keeps its state directory', () => {
  const unit = parseUnit(readFileSync(join(PACKAGING, 'ovsnet.service'), 'utf8'));
  const section = (name: string): Map<string, string[]> => {
    const found = unit.get(name);
    assert.ok(found, `[${name}] section`);
    return found;
  };
  assert.ok(section('Unit').get('Before')?.join(' ').split(/\s+/).includes('docker.service'), 'Before=docker.service');
  const service = section('Service');
  const execStart = service.get('ExecStart') ?? [];
  assert.equal(execStart.length, 1, 'one ExecStart');
  assertDaemonCommandLine((execStart[0] as string).split(/\s+/), 'ExecStart');
  const stateDir = parseArgs((execStart[0] as string).split(/\s+/).slice(1)).options.get('state-dir');
  assert.equal(`/var/lib/${service.get('StateDirectory')?.[0]}`, stateDir, 'StateDirectory= is the --state-dir');
  assert.deepEqual(service.get('Restart'), ['always']);
  assert.ok(section('Install').get('WantedBy')?.includes('multi-user.target'));
});

test('config.json: the socket ovsnet serves, both driver interfaces, host network, capabilities, mounts', () => {
  const config = JSON.parse(readFileSync(join(PACKAGING, 'config.json'), 'utf8')) as {
    entrypoint: string[];
    interface: { types: string[]; socket: string };
    network: { type: string };
    linux: { capabilities: string[] };
    mounts: Array<{ source: string; destination: string; type: string; options: string[] }>;
  };
  assert.equal(config.interface.socket, `${PLUGIN_NAME}.sock`, 'the socket name startDockerPlugin creates');
  assert.deepEqual([...config.interface.types].sort(), ['docker.ipamdriver/1.0', 'docker.networkdriver/1.0']);
  assert.equal(config.network.type, 'host', 'ovsnet manages the host network namespace');
  for (const cap of ['CAP_NET_ADMIN', 'CAP_SYS_ADMIN']) assert.ok(config.linux.capabilities.includes(cap), cap);
  for (const path of ['/var/run/openvswitch', '/run/docker/netns']) {
    const mount = config.mounts.find((m) => m.destination === path);
    assert.ok(mount, `${path} is mounted`);
    assert.equal(mount.source, path);
    assert.equal(mount.type, 'bind');
  }
  assertDaemonCommandLine(config.entrypoint, 'entrypoint');
  assert.equal(SYSTEM_OVSDB, 'unix:/var/run/openvswitch/db.sock', 'the OVSDB socket lives in the mounted directory');
});
