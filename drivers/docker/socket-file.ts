// The plugin socket file. Docker finds plugins by file name in its plugin directory, so the
// file must appear complete (already mode 0600, already listening) and must never steal
// the name from another live ovsnet: it is bound in a private 0700 directory next to its
// final place, restricted, then renamed over any stale leftover in one step.
import { chmod, lstat, mkdir, mkdtemp, rename, rmdir, stat, unlink } from 'node:fs/promises';
import { connect, type Server } from 'node:net';
import { dirname, join } from 'node:path';

/** Linux sun_path holds 108 bytes including the terminating NUL. */
const MAX_SOCKET_PATH_BYTES = 107;

export type ExistingSocket = 'absent' | 'stale' | 'live';

/** What occupies `path` now: nothing, a socket nobody listens on, or a live server. */
export async function probeSocketFile(path: string, timeoutMs = 1000): Promise<ExistingSocket> {
  let info;
  try {
    info = await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw error;
  }
  if (!info.isSocket()) throw new Error(`${path} exists and is not a socket; refusing to replace it`);
  return new Promise((resolve) => {
    const socket = connect({ path });
    const done = (state: ExistingSocket): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(state);
    };
    // A listener that does not even accept within the timeout is still someone's: keep it.
    const timer = setTimeout(() => done('live'), timeoutMs);
    socket.once('connect', () => done('live'));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      done(error.code === 'ECONNREFUSED' || error.code === 'ENOENT' ? 'stale' : 'live'),
    );
  });
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(path, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/**
 * Makes `server` listen on `path` with mode 0600, replacing a stale socket file and refusing
 * when another server is live there. Returns the inode so close() removes only our file.
 */
export async function listenOnSocketFile(server: Server, path: string): Promise<number> {
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES - 6) {
    throw new Error(
      `socket path ${path} is too long for a unix socket (at most ${MAX_SOCKET_PATH_BYTES - 6} bytes here)`,
    );
  }
  const state = await probeSocketFile(path);
  if (state === 'live')
    throw new Error(`another server is already listening on ${path}; stop it first (is ovsnet already running?)`);
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  const privateDir = await mkdtemp(join(dirname(path), '.ovs.'));
  const privatePath = join(privateDir, 's');
  try {
    await listen(server, privatePath);
    await chmod(privatePath, 0o600);
    await rename(privatePath, path);
  } catch (error) {
    if (server.listening) server.close();
    await unlink(privatePath).catch(() => undefined);
    throw error;
  } finally {
    await rmdir(privateDir).catch(() => undefined);
  }
  return (await stat(path)).ino;
}

/** Removes the socket file if it is still the one we created (not a successor's). */
export async function removeSocketFile(path: string, ino: number): Promise<void> {
  try {
    if ((await lstat(path)).ino === ino) await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
