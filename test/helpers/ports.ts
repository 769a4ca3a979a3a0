import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP port nobody listens on right now. With `below`, the search walks up from `from` and
 * stays under the ephemeral range, so a port a test reserves for a later restart is not taken
 * meanwhile by an outgoing connection.
 */
export async function freePort(options: { from?: number; below?: number } = {}): Promise<number> {
  if (options.from === undefined) {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }
  const below = options.below ?? 32768;
  for (let port = options.from; port < below; port++) {
    if (await isFree(port)) return port;
  }
  throw new Error(`no free port between ${options.from} and ${below}`);
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}
