// A registry over a real file store in a temporary directory, removed after the test,
// and the requests the registry tests share.
import type { TestContext } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileKvStore } from '../../../controller/store/file-store';
import { Registry } from '../../../controller/cnm/registry';
import { isControllerError } from '../../../controller/errors';
import type { NetworkSpec } from '../../../controller/cnm/types';

export function setup(t: TestContext): { registry: Registry; store: FileKvStore; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ovsnet-reg-'));
  const store = FileKvStore.open(dir);
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { registry: new Registry(store), store, dir };
}

/** A network request with one IPv4 subnet whose gateway is its .1 address. */
export const net = (id: string, pool: string, extra: Partial<NetworkSpec> = {}): NetworkSpec => ({
  id,
  ipv4: [{ pool, gateway: pool.replace(/\.0\/\d+$/, '.1') }],
  ipv6: [],
  icc: true,
  internal: false,
  ...extra,
});

/** Matches a ControllerError with code `c`, for assert.rejects. */
export const code = (c: string) => (e: unknown) => isControllerError(e) && e.code === c;
