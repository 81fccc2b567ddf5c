// The OpenFlow session against a scripted switch on a unix socket: version negotiation,
// echo both ways, xid correlation with timeouts, multipart reassembly, answers to
// undecodable messages, and backpressure. Time is a hand-advanced clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpenFlowSession, OpenFlowError } from '../../../controller/openflow/connection';
import { SwitchClient, listenForSwitches } from '../../../controller/openflow/switch-client';
import type { Clock } from '../../../controller/clock';
import { encodeMessage } from '../../../flows/ofp/encode';
import { decodeMessage } from '../../../flows/ofp/decode';
import { OfpFramer } from '../../../flows/ofp/framer';
import type { MessageOf, OfpMessage } from '../../../flows/ofp/types';
import { hex } from '../../unit/ofp/fixtures';
import { FakeClock } from '../../harness/fake-clock';

/** The switch side: reads messages into a queue the test awaits one by one. */
class ScriptedSwitch {
  private framer = new OfpFramer();
  private queue: OfpMessage[] = [];
  private waiters: Array<(m: OfpMessage) => void> = [];
  constructor(readonly socket: Socket) {
    socket.on('data', (chunk) => {
      for (const frame of this.framer.push(chunk) as Buffer[]) {
        const m = decodeMessage(frame);
        if (m instanceof Error) throw m;
        const waiter = this.waiters.shift();
        if (waiter) waiter(m);
        else this.queue.push(m);
      }
    });
  }
  next(): Promise<OfpMessage> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  async expect<K extends OfpMessage['type']>(type: K): Promise<MessageOf<K>> {
    const m = await this.next();
    assert.equal(m.type, type);
    return m as MessageOf<K>;
  }
  send(m: OfpMessage): void {
    this.socket.write(encodeMessage(m));
  }
  /** Writes bytes one at a time, so the session sees every split. */
  async trickle(bytes: Buffer): Promise<void> {
    for (const b of bytes) {
      this.socket.write(Buffer.from([b]));
      await new Promise((r) => setImmediate(r));
    }
  }
}

async function pair(
  t: { after(fn: () => unknown): void },
  clock: Clock,
  options: { echoIntervalMs?: number } = {},
): Promise<{ session: OpenFlowSession; sw: ScriptedSwitch; attached: Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'ovsnet-of-'));
  const path = join(dir, 'switch.sock');
  let accepted: (s: Socket) => void = () => undefined;
  const sockets = new Promise<Socket>((resolve) => (accepted = resolve));
  const server: Server = createServer((s) => accepted(s));
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const client = connect(path);
  const session = new OpenFlowSession({
    clock,
    requestTimeoutMs: 1000,
    echoIntervalMs: options.echoIntervalMs ?? 5000,
  });
  const swSocket = await sockets;
  t.after(() => {
    session.close();
    swSocket.destroy();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  const attached = session.attach(client);
  return { session, sw: new ScriptedSwitch(swSocket), attached };
}

async function handshake(sw: ScriptedSwitch, helloHex = '06 00 0010 00000001 0001 0008 00000072'): Promise<void> {
  assert.deepEqual((await sw.expect('hello')).versions, [4]);
  await sw.trickle(hex(helloHex));
  const features = await sw.expect('features_request');
  sw.send({
    type: 'features_reply',
    xid: features.xid,
    datapathId: 0x42n,
    nBuffers: 0,
    nTables: 254,
    auxiliaryId: 0,
    capabilities: 0,
  });
  const config = await sw.expect('set_config');
  assert.equal(config.missSendLen, 0xffff, 'SET_CONFIG asks for whole packets so packet-ins arrive');
}

test('negotiates 1.3 with a switch that offers up to 1.5, then answers echoes', async (t) => {
  const clock = new FakeClock();
  const { session, sw, attached } = await pair(t, clock);
  await handshake(sw);
  await attached;
  assert.equal(session.state, 'ready');
  assert.equal(session.datapathId, 0x42n);
  sw.send({ type: 'echo_request', xid: 77, data: Buffer.from('are you there') });
  const echo = await sw.expect('echo_reply');
  assert.equal(echo.xid, 77);
  assert.equal(echo.data.toString(), 'are you there');
});

test('probes a silent switch with echo, and gives up on one that stays silent', async (t) => {
  const clock = new FakeClock();
  const { session, sw, attached } = await pair(t, clock, { echoIntervalMs: 5000 });
  await handshake(sw);
  await attached;
  clock.advance(5000);
  const probe = await sw.expect('echo_request');
  assert.equal(probe.type, 'echo_request');
  clock.advance(5000);
  assert.equal(session.state, 'closed', 'no traffic for two intervals ends the session');
});

test('refuses a switch without OpenFlow 1.3, telling it why', async (t) => {
  const clock = new FakeClock();
  const { sw, attached } = await pair(t, clock);
  const refused = assert.rejects(attached, /closed during the handshake/);
  await sw.expect('hello');
  sw.send({ type: 'hello', xid: 1, versions: [1], headerVersion: 1 });
  const error = await sw.expect('error');
  assert.equal(error.name, 'OFPHFC_INCOMPATIBLE');
  await refused;
});

test('requests are matched by xid; multipart replies are reassembled; silence times out', async (t) => {
  const clock = new FakeClock();
  const { session, sw, attached } = await pair(t, clock);
  await handshake(sw);
  await attached;
  const dump = session.dumpFlows({ tableId: 3 });
  const barrier = session.barrier();
  const req = await sw.expect('flow_stats_request');
  assert.equal(req.request.tableId, 3);
  const bar = await sw.expect('barrier_request');
  // Answer out of order: the barrier first, then the dump in two parts.
  sw.send({ type: 'barrier_reply', xid: bar.xid });
  await barrier;
  const entry = {
    tableId: 3,
    durationSec: 0,
    durationNsec: 0,
    priority: 1,
    idleTimeout: 0,
    hardTimeout: 0,
    flags: 0,
    cookie: 1n,
    packetCount: 0n,
    byteCount: 0n,
    match: [],
    instructions: [],
  };
  sw.send({ type: 'flow_stats_reply', xid: req.xid, flags: 1, flows: [entry, { ...entry, priority: 2 }] });
  sw.send({ type: 'flow_stats_reply', xid: req.xid, flags: 0, flows: [{ ...entry, priority: 3 }] });
  assert.deepEqual(
    (await dump).map((f) => f.priority),
    [1, 2, 3],
  );
  const lost = session.barrier();
  await sw.expect('barrier_request');
  clock.advance(1000);
  await assert.rejects(lost, (e: unknown) => e instanceof OpenFlowError && e.code === 'TIMEOUT');
  const refused = session.request({ type: 'role_request', role: 2, generationId: 1n });
  const role = await sw.expect('role_request');
  sw.send({ type: 'error', xid: role.xid, errType: 11, code: 1, name: '', data: Buffer.alloc(0) });
  await assert.rejects(
    refused,
    (e: unknown) => e instanceof OpenFlowError && e.code === 'SWITCH_ERROR' && /OFPRRFC_UNSUP/.test(e.message),
  );
});

test('an undecodable message gets the matching OFPT_ERROR and the session goes on', async (t) => {
  const clock = new FakeClock();
  const { session, sw, attached } = await pair(t, clock);
  await handshake(sw);
  await attached;
  // A packet-in whose match claims a 3-byte masked reg0.
  await sw.trickle(
    hex('04 0a 002d 00000abc ffffffff 0000 00 00 0000000000000000 0001 000b 00010103 000000 00000000 0000 00000000'),
  );
  const error = await sw.expect('error');
  assert.equal(error.xid, 0xabc);
  assert.equal(error.name, 'OFPBMC_BAD_LEN');
  assert.equal(session.state, 'ready');
  const barrier = session.barrier();
  sw.send({ type: 'barrier_reply', xid: (await sw.expect('barrier_request')).xid });
  await barrier;
});

test('sendMany waits for the socket to drain when the switch stops reading', async (t) => {
  const clock = new FakeClock();
  const { session, sw, attached } = await pair(t, clock);
  await handshake(sw);
  await attached;
  sw.socket.pause();
  let done = false;
  const flows = Array.from({ length: 200_000 }, (_, i) => ({ type: 'barrier_request' as const, xid: i }));
  const sending = session.sendMany(flows).then(() => (done = true));
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(done, false, 'still waiting: the peer is not reading');
  sw.socket.resume();
  await sending;
  assert.equal(done, true);
});

test('the switch client reconnects with backoff after the switch drops it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ovsnet-of-'));
  const path = join(dir, 'switch.sock');
  let connections = 0;
  const switches: ScriptedSwitch[] = [];
  const server = createServer((s) => {
    connections++;
    if (connections === 1) {
      s.destroy(); // the first attempt is dropped at once
      return;
    }
    const sw = new ScriptedSwitch(s);
    switches.push(sw);
    void handshake(sw, '04 00 0008 00000001'); // a 1.3 HELLO without a bitmap
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const client = new SwitchClient(`unix:${path}`, { minBackoffMs: 20, maxBackoffMs: 100, echoIntervalMs: 0 });
  t.after(() => {
    client.close();
    for (const sw of switches) sw.socket.destroy();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  client.start();
  const session = await client.ready(5000);
  assert.equal(session.datapathId, 0x42n);
  assert.equal(connections, 2);
  assert.equal(client.machine.stats.attempts, 2);
  assert.equal(client.machine.state, 'ready');
  // The switch goes away again: the client notices and comes back on its own.
  const down = new Promise((resolve) => client.once('down', resolve));
  switches[0]?.socket.destroy();
  await down;
  const again = await client.ready(5000);
  assert.notEqual(again, session);
  assert.equal(connections, 3);
});

test('a throwing packet-in listener neither breaks the socket handler nor later messages', async (t) => {
  const clock = new FakeClock();
  const { session, sw, attached } = await pair(t, clock);
  await handshake(sw);
  await attached;
  const seen: number[] = [];
  session.on('packet_in', (m) => {
    seen.push(m.totalLen);
    throw new Error('listener bug');
  });
  const packetIn = {
    type: 'packet_in' as const,
    xid: 0,
    bufferId: 0xffffffff,
    totalLen: 14,
    reason: 1,
    tableId: 0,
    cookie: 0n,
    match: [],
    data: Buffer.alloc(14),
  };
  // Both packet-ins and the echo arrive in one write: the first throw must not drop the rest.
  sw.socket.write(
    Buffer.concat([
      encodeMessage(packetIn),
      encodeMessage({ ...packetIn, totalLen: 15, data: Buffer.alloc(15) }),
      encodeMessage({ type: 'echo_request', xid: 9, data: Buffer.alloc(0) }),
    ]),
  );
  assert.equal((await sw.expect('echo_reply')).xid, 9);
  assert.deepEqual(seen, [14, 15]);
  assert.equal(session.state, 'ready');
});

test('TCP both ways: the client dials tcp:HOST:PORT, the listener accepts a switch over TCP', async (t) => {
  // A switch listening on loopback (ptcp style), our client dialing it.
  const swSockets: Socket[] = [];
  const ptcp = createServer((s) => {
    swSockets.push(s);
    void handshake(new ScriptedSwitch(s));
  });
  await new Promise<void>((resolve) => ptcp.listen(0, '127.0.0.1', resolve));
  const port = (ptcp.address() as { port: number }).port;
  const client = new SwitchClient(`tcp:127.0.0.1:${port}`, { echoIntervalMs: 0 });
  t.after(() => {
    client.close();
    for (const s of swSockets) s.destroy();
    ptcp.close();
  });
  client.start();
  assert.equal((await client.ready(5000)).datapathId, 0x42n);

  // Our listener, a switch dialing in (controller tcp: style).
  const sessions: OpenFlowSession[] = [];
  const server = await listenForSwitches({ port: 0, host: '127.0.0.1' }, (s) => sessions.push(s), {
    echoIntervalMs: 0,
  });
  const dialer = connect((server.address() as { port: number }).port, '127.0.0.1');
  t.after(() => {
    dialer.destroy();
    for (const s of sessions) s.close();
    server.close();
  });
  await handshake(new ScriptedSwitch(dialer));
  for (let i = 0; i < 100 && sessions.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(sessions.length, 1);
  assert.equal(sessions[0]?.state, 'ready');
});
