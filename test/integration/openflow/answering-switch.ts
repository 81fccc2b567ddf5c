// A scripted switch that answers what a flow pass asks (handshake, flow dump, bundle
// control, barriers) on a unix socket, and can be told to stop reading when a bundle opens:
// the way a wedged or dying ovs-vswitchd looks to the controller.
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BundleCtrlType } from '../../../flows/ofp/constants';
import { decodeMessage } from '../../../flows/ofp/decode';
import { encodeMessage } from '../../../flows/ofp/encode';
import { OfpFramer } from '../../../flows/ofp/framer';
import type { OfpMessage } from '../../../flows/ofp/types';

export interface Connection {
  socket: Socket;
  /** Flow mods committed in bundles on this connection. */
  committed: number;
  /** Set once the connection stopped reading at a bundle's open. */
  stalled: Promise<void>;
}

export class AnsweringSwitches {
  readonly path: string;
  readonly connections: Connection[] = [];
  /** Whether the next connection stops reading when a bundle opens. */
  stallNext = false;
  private readonly dir: string;
  private readonly server: Server;

  private constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'ovsnet-sw-'));
    this.path = join(this.dir, 'switch.mgmt');
    this.server = createServer((socket) => this.accept(socket));
  }

  static async listen(): Promise<AnsweringSwitches> {
    const switches = new AnsweringSwitches();
    await new Promise<void>((resolve) => switches.server.listen(switches.path, resolve));
    return switches;
  }

  close(): void {
    for (const c of this.connections) c.socket.destroy();
    this.server.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private accept(socket: Socket): void {
    const stall = this.stallNext;
    this.stallNext = false;
    let markStalled: () => void = () => undefined;
    const connection: Connection = {
      socket,
      committed: 0,
      stalled: new Promise<void>((resolve) => (markStalled = resolve)),
    };
    this.connections.push(connection);
    socket.on('error', () => undefined); // the controller may reset us mid-write
    const framer = new OfpFramer();
    const pending = new Map<number, number>(); // bundle id -> flow mods added
    const send = (m: OfpMessage): void => void socket.write(encodeMessage(m));
    send({ type: 'hello', xid: 1, versions: [4], headerVersion: 4 });
    socket.on('data', (chunk) => {
      const frames = framer.push(chunk);
      if (frames instanceof Error) throw frames;
      for (const frame of frames) {
        const m = decodeMessage(frame);
        if (m instanceof Error) throw m;
        if (m.type === 'features_request')
          send({
            type: 'features_reply',
            xid: m.xid,
            datapathId: 0x42n,
            nBuffers: 0,
            nTables: 254,
            auxiliaryId: 0,
            capabilities: 0,
          });
        else if (m.type === 'flow_stats_request') send({ type: 'flow_stats_reply', xid: m.xid, flags: 0, flows: [] });
        else if (m.type === 'barrier_request') send({ type: 'barrier_reply', xid: m.xid });
        else if (m.type === 'echo_request') send({ type: 'echo_reply', xid: m.xid, data: m.data });
        else if (m.type === 'bundle_add') pending.set(m.bundleId, (pending.get(m.bundleId) ?? 0) + 1);
        else if (m.type === 'bundle_control') {
          if (m.ctrlType === BundleCtrlType.OPEN_REQUEST && stall) {
            socket.pause();
            markStalled();
            return;
          }
          if (m.ctrlType === BundleCtrlType.COMMIT_REQUEST) connection.committed += pending.get(m.bundleId) ?? 0;
          send({ ...m, ctrlType: m.ctrlType + 1 });
        }
      }
    });
  }
}
