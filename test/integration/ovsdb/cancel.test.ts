// Canceling a transaction (RFC 7047 4.1.4) on a real ovsdb-server: a transact blocked in a
// `wait` operation is withdrawn by aborting its signal, the promise rejects with a typed
// error, the server drops the transaction (its later operations never take effect) and the
// session carries on. ovsdb-server answers the cancel with error "canceled" only on
// db-change-aware sessions, so both kinds of session are exercised.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OvsInstance } from '../../harness/ovs';
import { ovsFor, ovsdbClientFor } from '../../harness/with-ovs';
import { until } from '../../harness/until';
import type { OvsdbClient } from '../../../ovsdb/client';
import { OvsdbCanceledError } from '../../../ovsdb/protocol/errors';
import { map } from '../../../ovsdb/protocol/notation';
import { eq, mutate, select, wait, type Operation } from '../../../ovsdb/protocol/operations';

const DB = 'Open_vSwitch';

/** Blocks until a Bridge named "ghost" exists (never), then marks the root row. */
function blockedTransaction(mark: string): Operation[] {
  return [
    wait('Bridge', [eq('name', 'ghost')], ['name'], '==', [{ name: 'ghost' }], 60_000),
    mutate(DB, [], [['external_ids', 'insert', map([[mark, 'yes']])]]),
  ];
}

async function rootExternalIds(client: OvsdbClient): Promise<string> {
  const [result] = await client.transact(DB, [select(DB, [], ['external_ids'])]);
  return JSON.stringify(result?.rows?.[0]?.['external_ids']);
}

async function serverTriggers(ovs: OvsInstance): Promise<number> {
  const match = /triggers:(\d+)/.exec(await ovs.appctl('ovsdb-server', 'memory/show'));
  return match ? Number(match[1]) : 0;
}

test('aborting a transaction blocked in wait: typed error, the server drops it, the client goes on', async (t) => {
  const ovs = await ovsFor(t);
  if (!ovs) return;
  const client = await ovsdbClientFor(t, ovs);
  const states: string[] = [];
  client.on('state', (s) => states.push(s));

  const controller = new AbortController();
  const pending = client.transact(DB, blockedTransaction('canceled'), { signal: controller.signal });
  await until('the server holds the transaction', async () => (await serverTriggers(ovs)) === 1);
  const started = Date.now();
  controller.abort(new Error('operator gave up'));
  await assert.rejects(pending, (e: unknown) => {
    assert.ok(e instanceof OvsdbCanceledError, `got ${String(e)}`);
    assert.equal(e.code, 'CANCELED');
    assert.equal(e.method, 'transact');
    assert.equal(typeof e.requestId, 'number');
    assert.match(String((e.cause as Error).message), /operator gave up/);
    return true;
  });
  assert.ok(Date.now() - started < 1000, 'the promise rejects at once, not at the wait timeout');
  await until('the server dropped the transaction', async () => (await serverTriggers(ovs)) === 0);

  // Still usable, and the canceled mutation never happened: the same transaction with a
  // wait that holds does take effect, so the check below can tell the two apart.
  assert.doesNotMatch(await rootExternalIds(client), /canceled/);
  await client.transact(DB, [
    wait('Bridge', [eq('name', 'ghost')], ['name'], '==', [], 0),
    mutate(DB, [], [['external_ids', 'insert', map([['control', 'yes']])]]),
  ]);
  const ids = await rootExternalIds(client);
  assert.match(ids, /control/);
  assert.doesNotMatch(ids, /canceled/);
  assert.ok(!states.includes('backoff'), `the session never dropped: ${states.join(',')}`);
});

test('on a db-change-aware session the server\'s late "canceled" reply is consumed', async (t) => {
  const ovs = await ovsFor(t);
  if (!ovs) return;
  await ovs.appctl('ovsdb-server', 'vlog/set', 'jsonrpc:file:dbg');
  const client = await ovsdbClientFor(t, ovs);
  const states: string[] = [];
  client.on('state', (s) => states.push(s));
  await client.setDbChangeAware(true);

  const controller = new AbortController();
  const pending = client.transact(DB, blockedTransaction('aware'), { signal: controller.signal });
  await until('the server holds the transaction', async () => (await serverTriggers(ovs)) === 1);
  controller.abort();
  await assert.rejects(pending, (e: unknown) => e instanceof OvsdbCanceledError && e.code === 'CANCELED');
  const log = join(ovs.dir, 'ovsdb-server.log');
  await until('the server sent "canceled"', () => /send reply, error="canceled"/.test(readFileSync(log, 'utf8')));

  // The unmatched reply went through dispatch without harm: same session, next answers right.
  assert.deepEqual(await client.echo(['after']), ['after']);
  assert.doesNotMatch(await rootExternalIds(client), /aware/);
  assert.equal(client.state, 'connected');
  assert.ok(!states.includes('backoff'), `the session never dropped: ${states.join(',')}`);
});

test('a signal aborted before the call sends nothing and rejects with CANCELED', async (t) => {
  const ovs = await ovsFor(t);
  if (!ovs) return;
  const client = await ovsdbClientFor(t, ovs);
  const signal = AbortSignal.abort();
  await assert.rejects(
    client.transact(DB, [mutate(DB, [], [['external_ids', 'insert', map([['early', 'yes']])]])], { signal }),
    (e: unknown) =>
      e instanceof OvsdbCanceledError && e.requestId === undefined && /before it was sent/.test(e.message),
  );
  assert.doesNotMatch(await rootExternalIds(client), /early/);
});
