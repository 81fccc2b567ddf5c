// The `vagrant/lab` command line: defaults, every option, and typos refused with a message
// that names the mistake.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LabUsageError, parseLabArgs } from '../../../vagrant/emulation/options';
import { DEFAULT_LAB_DIR } from '../../../vagrant/emulation/plan';

const noEnv = {};

test('up defaults to 3 hosts, no Docker, VXLAN, the default directory', () => {
  assert.deepEqual(parseLabArgs(['up'], noEnv), {
    command: 'up',
    options: { hosts: 3, docker: false, tunnel: 'vxlan', dir: DEFAULT_LAB_DIR },
  });
});

test('up takes --hosts, --docker, --tunnel and --dir in any order; $OVSNET_LAB_DIR sets the default directory', () => {
  assert.deepEqual(parseLabArgs(['up', '--tunnel', 'gre', '--docker', '--dir', '/tmp/x', '--hosts', '5'], noEnv), {
    command: 'up',
    options: { hosts: 5, docker: true, tunnel: 'gre', dir: '/tmp/x' },
  });
  assert.deepEqual(parseLabArgs(['down'], { OVSNET_LAB_DIR: '/tmp/lab2' }), { command: 'down', dir: '/tmp/lab2' });
  assert.deepEqual(parseLabArgs(['status', '--json', '--dir', '/d'], noEnv), {
    command: 'status',
    dir: '/d',
    json: true,
  });
});

test('exec takes options before the host and the whole command after it, with or without --', () => {
  assert.deepEqual(parseLabArgs(['exec', '--dir', '/d', 'h2', '--', 'docker', 'ps', '--all'], noEnv), {
    command: 'exec',
    dir: '/d',
    host: 'h2',
    argv: ['docker', 'ps', '--all'],
  });
  assert.deepEqual(parseLabArgs(['exec', 'h1', 'ip', '--dir', 'x'], noEnv), {
    command: 'exec',
    dir: DEFAULT_LAB_DIR,
    host: 'h1',
    argv: ['ip', '--dir', 'x'],
  });
});

test('mistakes are refused and named', () => {
  const refused = (argv: string[], message: RegExp): void =>
    assert.throws(
      () => parseLabArgs(argv, noEnv),
      (e: unknown) => e instanceof LabUsageError && message.test(e.message),
    );
  refused(['start'], /unknown command "start"/);
  refused(['up', '--hosts', '0'], /--hosts must be a whole number from 1 to 250, not "0"/);
  refused(['up', '--hosts', '2.5'], /--hosts must be/);
  refused(['up', '--hosts', '251'], /--hosts must be/);
  refused(['up', '--hosts'], /--hosts needs a value/);
  refused(['up', '--tunnel', 'geneve'], /--tunnel must be vxlan or gre, not "geneve"/);
  refused(['up', '--json'], /unknown argument "--json"/);
  refused(['down', '--docker'], /unknown argument "--docker"/);
  refused(['exec', 'h1'], /usage: vagrant\/lab exec h1 -- COMMAND/);
  refused(['exec', 'h1', '--'], /usage: vagrant\/lab exec h1 -- COMMAND/);
  refused(['exec', '--dir', '/d'], /usage: vagrant\/lab exec HOST -- COMMAND/);
  refused(['exec', '--hosts', '3', 'h1', 'true'], /unknown exec argument "--hosts"/);
});

test('no command, help and --help print the usage', () => {
  for (const argv of [[], ['help'], ['--help'], ['-h']])
    assert.deepEqual(parseLabArgs(argv, noEnv), { command: 'help' });
});
