import { chmod, lstat, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';

/**
 * Serves `app` on the Unix socket `path` (ntfy's `listen-unix`), with `mode` applied to the socket
 * file when it is not 0. A socket file left by a run that did not stop cleanly is replaced, but
 * only when nothing answers on it: a second server started by mistake must not take the socket
 * from a running one. Anything at the path that is not a socket is refused, never deleted.
 * Closing the app removes the socket file (Node unlinks it when the listener closes).
 */
export async function listenOnUnixSocket(app: FastifyInstance, path: string, mode: number): Promise<void> {
  await clearStaleSocket(path);
  await app.listen({ path });
  // Between listen and chmod the socket carries the umask's mode, as in ntfy; a stricter umask
  // for the whole process would race with every other file it creates meanwhile.
  if (mode !== 0) await chmod(path, mode);
}

async function clearStaleSocket(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = (await lstat(path)).isSocket();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!isSocket) throw new Error(`listen-unix: ${path} exists and is not a socket; remove it or choose another path`);
  if (await answers(path)) throw new Error(`listen-unix: another process is serving on ${path}`);
  await unlink(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

/** Whether a process accepts connections on the socket; a leftover file refuses them. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ path });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
