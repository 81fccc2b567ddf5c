// `ovsnet-cni install DIR`, as a user runs it: the C shim when a compiler is there (an
// executable that answers without starting Node), else a script running the Node plugin;
// either answers VERSION and, with no daemon, the spec's "try again later" error.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../../controller/host/exec';
import { invokePlugin } from '../../harness/cni';
import { requireBinaries } from '../../harness/require';

const PLUGIN_MAIN = join(__dirname, '..', '..', '..', 'drivers', 'cni', 'main.js');

describe('ovsnet-cni install', () => {
  for (const withCompiler of [true, false]) {
    test(withCompiler ? 'with cc: the shim' : 'without a compiler: the Node script', async (t) => {
      if (withCompiler && !requireBinaries(t, ['cc'])) return;
      const dir = mkdtempSync(join(tmpdir(), 'ovsnet-cni-install-'));
      t.after(() => rmSync(dir, { recursive: true, force: true }));
      const installed = await run(process.execPath, [PLUGIN_MAIN, 'install', join(dir, 'bin')], {
        env: { ...process.env, ...(withCompiler ? {} : { CC: join(dir, 'no-such-compiler') }) },
        allowFailure: true,
      });
      assert.equal(installed.code, 0, installed.stderr);
      const plugin = join(dir, 'bin', 'ovsnet');
      const head = readFileSync(plugin).subarray(0, 4);
      if (withCompiler) {
        assert.match(installed.stdout, /the C shim/);
        assert.deepEqual([...head], [0x7f, 0x45, 0x4c, 0x46], 'an ELF executable');
      } else {
        assert.match(installed.stdout, /a script running the Node plugin \(no shim: .*no-such-compiler/);
        assert.equal(head.toString(), '#!/b');
      }
      const version = await invokePlugin(plugin, { CNI_COMMAND: 'VERSION' }, '{"cniVersion":"0.4.0"}');
      assert.equal(version.code, 0, version.stderr);
      assert.deepEqual(version.json, { cniVersion: '0.4.0', supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0'] });
      const socket = join(dir, 'nobody-listens.ctl');
      const absent = await invokePlugin(
        plugin,
        {
          CNI_COMMAND: 'ADD',
          CNI_CONTAINERID: 'c1',
          CNI_NETNS: '/proc/self/ns/net',
          CNI_IFNAME: 'eth0',
          CNI_PATH: dir,
        },
        JSON.stringify({ cniVersion: '1.0.0', name: 'n', type: 'ovsnet', socket }),
      );
      assert.equal(absent.code, 1);
      assert.equal(absent.json['code'], 11, absent.stdout);
      assert.match(String(absent.json['msg']), new RegExp(`nothing answers on ${socket}.*ovsnet daemon`));
    });
  }

  test('a directory it cannot write: a clear error, exit status 1', async () => {
    const result = await run(process.execPath, [PLUGIN_MAIN, 'install', '/proc/ovsnet-cni'], { allowFailure: true });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /ovsnet-cni install: .*\/proc\/ovsnet-cni/);
  });
});
