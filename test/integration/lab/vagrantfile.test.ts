// The Vagrant lab (vagrant/Vagrantfile + vagrant/provision/): Vagrant itself validates it
// (no VM is started: no hypervisor here), the provisioning scripts parse, and the daemon
// they install runs with options ovsnet knows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { run } from '../../../controller/host/exec';
import { documentedOptions, OVSNET_CLI } from '../../../vagrant/emulation/ovsnet-daemon';
import { findBinary, requireBinaries } from '../../harness/require';

const VAGRANT_DIR = resolve(__dirname, '..', '..', '..', '..', 'vagrant');
const PROVISION_DIR = join(VAGRANT_DIR, 'provision');
/** Options of the intended multi-host daemon that this ovsnet may not document yet. */
const MULTI_HOST_OPTIONS = ['etcd'];

/** `vagrant validate` on dir, with Vagrant's own files kept in a temp dir (not the checkout). */
async function vagrantValidate(dir: string): Promise<{ code: number; output: string }> {
  const scratch = mkdtempSync(join(tmpdir(), 'ovsnet-vagrant-'));
  try {
    const result = await run('vagrant', ['validate', '--ignore-provider'], {
      allowFailure: true,
      timeoutMs: 60_000,
      env: {
        ...process.env,
        VAGRANT_CWD: dir,
        VAGRANT_DOTFILE_PATH: join(scratch, 'dotfile'),
        VAGRANT_HOME: join(scratch, 'home'),
      },
    });
    return { code: result.code, output: result.stdout + result.stderr };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

test('vagrant validate accepts the Vagrantfile: three VMs, every provisioning script present', async (t) => {
  if (findBinary('vagrant') === undefined) {
    if (!requireBinaries(t, ['ruby'])) return;
    t.diagnostic('vagrant is not installed: checking the Vagrantfile is valid Ruby only');
    const syntax = await run('ruby', ['-c', join(VAGRANT_DIR, 'Vagrantfile')], { allowFailure: true });
    assert.equal(syntax.code, 0, syntax.stderr);
    return;
  }
  const valid = await vagrantValidate(VAGRANT_DIR);
  assert.equal(valid.code, 0, valid.output);
  assert.match(valid.output, /validated successfully/);
  for (const vm of ['ovsnet1', 'ovsnet2', 'ovsnet3']) assert.match(valid.output, new RegExp(`==> ${vm}:`));

  // A copy missing a provisioning script is refused: validate really reads the provisioners.
  const broken = mkdtempSync(join(tmpdir(), 'ovsnet-vagrant-broken-'));
  t.after(() => rmSync(broken, { recursive: true, force: true }));
  cpSync(VAGRANT_DIR, join(broken, 'vagrant'), { recursive: true, filter: (src) => !src.endsWith('/.vagrant') });
  rmSync(join(broken, 'vagrant', 'provision', 'etcd.sh'));
  const invalid = await vagrantValidate(join(broken, 'vagrant'));
  assert.notEqual(invalid.code, 0, invalid.output);
  assert.match(invalid.output, /etcd\.sh/);
});

test('the provisioning scripts parse, and install `ovsnet daemon` with options ovsnet knows, joined to etcd', async () => {
  for (const script of readdirSync(PROVISION_DIR).filter((name) => name.endsWith('.sh'))) {
    const syntax = await run('bash', ['-n', join(PROVISION_DIR, script)], { allowFailure: true });
    assert.equal(syntax.code, 0, `${script}: ${syntax.stderr}`);
  }
  const provision = readFileSync(join(PROVISION_DIR, 'ovsnet.sh'), 'utf8');
  assert.match(provision, /install -m 0644 drivers\/docker\/packaging\/ovsnet\.service /, 'the shipped unit');
  const execStart = [...provision.matchAll(/^ExecStart=(.+)$/gm)].map((m) => m[1] as string);
  assert.equal(execStart.length, 1, 'one ExecStart replaces the packaged one');
  const argv = (execStart[0] as string).split(/\s+/);
  assert.deepEqual(argv.slice(0, 2), ['/usr/local/bin/ovsnet', 'daemon']);
  const options = argv.filter((arg) => arg.startsWith('--')).map((arg) => arg.slice(2));
  assert.ok(options.includes('etcd'), 'every VM joins the cluster store');
  const help = await run(process.execPath, [OVSNET_CLI, 'daemon', '--help']);
  const documented = documentedOptions(help.stdout);
  assert.deepEqual(
    options.filter((o) => !documented.has(o) && !MULTI_HOST_OPTIONS.includes(o)),
    [],
    'options ovsnet --help does not document',
  );
});
