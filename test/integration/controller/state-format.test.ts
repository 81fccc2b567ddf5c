// The store's format version: a state directory of the older format (a committed fixture)
// is migrated at start, and one written by a newer ovsnet is refused with a clear error and
// left exactly as it was.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OvsnetDaemon } from '../../harness/ovsnet-daemon';
import { makeRunDir } from '../../harness/ledger';
import { ovsRig } from '../../harness/with-ovs';
import { sharedRig } from '../../harness/rig';
import type { OvsInstance } from '../../harness/ovs';
import { callControl } from '../../../controller/control/client';
import { FileKvStore } from '../../../controller/store/file-store';
import { STATE_FORMAT } from '../../../controller/store/state-format';

const FIXTURE = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'state-format-1');

/** Every file under `dir` with its content and modification time. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const path = join(dir, name);
    const info = statSync(path);
    if (info.isFile()) out[name] = `${info.mtimeMs} ${readFileSync(path, 'utf8')}`;
    else out[name] = info.isDirectory() ? 'dir' : 'other';
  }
  return out;
}

describe('the state format', () => {
  const rig = sharedRig(ovsRig());

  async function withStateDir(t: { after(fn: () => unknown): void }, ovs: OvsInstance): Promise<OvsnetDaemon> {
    const stateDir = makeRunDir('state');
    const daemon = new OvsnetDaemon(ovs, join(stateDir, 'plugins'), stateDir);
    t.after(async () => {
      await daemon.stop();
      rmSync(stateDir, { recursive: true, force: true });
    });
    return daemon;
  }

  test('a state directory of format 1 (fixture) is migrated at start and works', (t) =>
    rig.run(t, async (ovs) => {
      const daemon = await withStateDir(t, ovs);
      cpSync(join(FIXTURE, 'store'), join(daemon.stateDir, 'store'), { recursive: true });
      await daemon.start();
      assert.match(daemon.logs(), /state migrated to the current format/);
      const format = JSON.parse(readFileSync(join(daemon.stateDir, 'store', 'format'), 'utf8')) as { format: number };
      assert.equal(format.format, STATE_FORMAT);
      const networks = (await callControl(join(daemon.stateDir, 'ovsnet.ctl'), 'network.ls', {})) as Array<{
        id: string;
      }>;
      assert.deepEqual(
        networks.map((n) => n.id),
        ['legacy1'],
      );
      // The gateway keeps the port number the older release gave it.
      const ofport = async (): Promise<string> => (await ovs.vsctl('get', 'interface', 'ovsgw1', 'ofport')).trim();
      for (let i = 0; i < 100 && (await ofport().catch(() => '')) !== '50995'; i++)
        await new Promise((r) => setTimeout(r, 100));
      assert.equal(await ofport(), '50995');
      await daemon.stop();
      const store = FileKvStore.open(join(daemon.stateDir, 'store'));
      t.after(() => store.close());
      assert.equal((await store.get('gw/legacy1'))?.value, 50995);
      assert.equal(((await store.get('net/legacy1'))?.value as Record<string, unknown>)['gatewayOfport'], undefined);
    }));

  test('a state directory of a newer format is refused with a clear error and nothing changed', (t) =>
    rig.run(t, async (ovs) => {
      const daemon = await withStateDir(t, ovs);
      cpSync(join(FIXTURE, 'store'), join(daemon.stateDir, 'store'), { recursive: true });
      writeFileSync(join(daemon.stateDir, 'store', 'format'), `${JSON.stringify({ format: STATE_FORMAT + 1 })}\n`);
      const before = tree(daemon.stateDir);
      await assert.rejects(daemon.start(), /exited during start-up/);
      assert.match(
        daemon.logs(),
        new RegExp(
          `has format ${STATE_FORMAT + 1}, written by a newer ovsnet; this one reads formats up to ${STATE_FORMAT}`,
        ),
      );
      assert.deepEqual(tree(daemon.stateDir), before, 'not one file was created or changed');
    }));
});
