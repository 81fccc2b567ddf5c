// ssl: remotes against a real ovsdb-server listening on pssl: with certificates made by the
// openssl CLI: mutual authentication, transactions and a replica over TLS, reconnection
// after a server restart, and refusal - with a message that says why - of a client whose
// certificate comes from a CA the server does not trust.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { OvsdbServerInstance } from '../../harness/ovsdb-server';
import { makeTestPki, type TestPki } from '../../harness/pki';
import { makeRunDir } from '../../harness/ledger';
import { requireBinaries } from '../../harness/require';
import { until } from '../../harness/until';
import { OvsdbClient, type ClientOptions } from '../../../ovsdb/client';
import { OvsdbError } from '../../../ovsdb/protocol/errors';
import { map } from '../../../ovsdb/protocol/notation';
import { mutate, select } from '../../../ovsdb/protocol/operations';

const DB = 'Open_vSwitch';
const FAST = { minMs: 50, maxMs: 200, jitter: 0 };

/** connect() that must fail; a client that wrongly connects is closed so the run can end. */
function connectMustFail(remote: string, options: ClientOptions): Promise<OvsdbClient> {
  return OvsdbClient.connect(remote, options).then((client) => {
    client.close();
    return client;
  });
}

async function tlsServer(t: {
  after(fn: () => unknown): void;
}): Promise<{ server: OvsdbServerInstance; pki: TestPki; remote: string }> {
  const dir = makeRunDir('pki');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pki = await makeTestPki(dir);
  const server = await OvsdbServerInstance.start({
    args: ({ port }) => [
      `--private-key=${pki.server.key}`,
      `--certificate=${pki.server.cert}`,
      `--ca-cert=${pki.ca}`,
      `--remote=pssl:${port}:127.0.0.1`,
    ],
  });
  t.after(() => server.stop());
  return { server, pki, remote: `ssl:127.0.0.1:${server.port}` };
}

test('ssl: transact and monitor over TLS, and reconnect after the server restarts', async (t) => {
  if (!requireBinaries(t, ['ovsdb-server', 'ovsdb-tool', 'ovs-vsctl', 'openssl'])) return;
  const { server, pki, remote } = await tlsServer(t);
  // Paths for some, PEM text for another: both forms are accepted.
  const client = await OvsdbClient.connect(remote, {
    backoff: FAST,
    tls: { key: pki.client.key, cert: readFileSync(pki.client.cert, 'utf8'), ca: pki.ca },
  });
  t.after(() => client.close());
  assert.equal(client.remoteName, remote);
  const replica = await client.monitor(DB, { Open_vSwitch: { columns: ['external_ids'] } });
  await client.transact(DB, [mutate(DB, [], [['external_ids', 'insert', map([['over', 'tls']])]])]);
  const [result] = await client.transact(DB, [select(DB, [], ['external_ids'])]);
  assert.deepEqual(result?.rows?.[0]?.['external_ids'], ['map', [['over', 'tls']]]);
  const rootIds = (): string => JSON.stringify([...replica.rows(DB)][0]?.['external_ids']);
  await until('the replica saw the change', () => rootIds().includes('tls'));

  await server.restart();
  await until('reconnected over TLS', () => client.state === 'connected', 15_000);
  await client.transact(DB, [mutate(DB, [], [['external_ids', 'insert', map([['again', 'yes']])]])]);
  await until('the resumed replica follows', () => rootIds().includes('again'));
  assert.ok(rootIds().includes('tls'), 'rows from before the restart are still there');
});

test('ssl: a client certificate from another CA is refused with a clear error', async (t) => {
  if (!requireBinaries(t, ['ovsdb-server', 'ovsdb-tool', 'ovs-vsctl', 'openssl'])) return;
  const { pki, remote } = await tlsServer(t);
  await assert.rejects(
    connectMustFail(remote, {
      connectTimeoutMs: 1500,
      backoff: FAST,
      tls: { key: pki.stranger.key, cert: pki.stranger.cert, ca: pki.ca },
    }),
    (e: unknown) => {
      assert.ok(e instanceof OvsdbError, String(e));
      assert.equal(e.code, 'CONNECTION_CLOSED');
      t.diagnostic(e.message);
      assert.match(
        e.message,
        /no OVSDB connection to ssl:127\.0\.0\.1:\d+ within 1500 ms \(last error: .*(unknown ca|certificate)/i,
      );
      return true;
    },
  );
  // And the other way round: a server whose certificate our CA did not sign.
  await assert.rejects(
    connectMustFail(remote, {
      connectTimeoutMs: 1500,
      backoff: FAST,
      tls: { key: pki.client.key, cert: pki.client.cert, ca: pki.strangerCa },
    }),
    (e: unknown) =>
      e instanceof OvsdbError && /last error: .*(self[- ]signed|unable to verify|certificate)/i.test(e.message),
  );
  // The trusted client still gets in: the refusals were about the certificates.
  const client = await OvsdbClient.connect(remote, { tls: { key: pki.client.key, cert: pki.client.cert, ca: pki.ca } });
  t.after(() => client.close());
  assert.ok((await client.listDbs()).includes(DB));
});

test('ssl: unusable TLS options are TLS_CONFIG errors before anything is sent', async (t) => {
  if (!requireBinaries(t, ['openssl'])) return;
  const dir = makeRunDir('pki');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pki = await makeTestPki(dir);
  const isConfig = (pattern: RegExp) => (e: unknown) =>
    e instanceof OvsdbError && e.code === 'TLS_CONFIG' && pattern.test(e.message);
  await assert.rejects(OvsdbClient.connect('ssl:127.0.0.1:1'), isConfig(/needs the tls option/));
  await assert.rejects(
    OvsdbClient.connect('ssl:127.0.0.1:1', { tls: { key: `${dir}/missing.key`, cert: pki.client.cert, ca: pki.ca } }),
    isConfig(/cannot read the TLS private key/),
  );
  await assert.rejects(
    OvsdbClient.connect('ssl:127.0.0.1:1', { tls: { key: pki.server.key, cert: pki.client.cert, ca: pki.ca } }),
    isConfig(/unusable/),
  );
});

test('ssl: verifyServerName also checks the certificate names the host dialled', async (t) => {
  if (!requireBinaries(t, ['ovsdb-server', 'ovsdb-tool', 'ovs-vsctl', 'openssl'])) return;
  const { server, pki, remote } = await tlsServer(t);
  const tls = { key: pki.client.key, cert: pki.client.cert, ca: pki.ca, verifyServerName: true };
  const client = await OvsdbClient.connect(remote, { tls });
  t.after(() => client.close());
  assert.ok((await client.listDbs()).includes(DB), 'the certificate names 127.0.0.1');
  // Same server, same CA, but dialled as "localhost", which the certificate does not name.
  await assert.rejects(
    connectMustFail(`ssl:localhost:${server.port}`, { connectTimeoutMs: 1500, backoff: FAST, tls }),
    (e: unknown) => e instanceof OvsdbError && /last error: .*(localhost|altnames)/i.test(e.message),
  );
});
