import { createServer, connect, type Socket } from 'node:net';

/**
 * A TCP proxy on a loopback port in front of a service (Redis, PostgreSQL), for outage tests: the
 * test cuts it and restores it, the machine's shared service itself is never touched. While cut,
 * every open connection is dropped and new ones are accepted and closed at once, as a service that
 * went away would look to a client retrying.
 */
export interface TcpProxy {
  /** The port clients connect to. */
  readonly port: number;
  /** `url` with its host and port replaced by the proxy's. */
  via(url: string): string;
  /** Drops every connection and refuses new ones until {@link restore}. */
  cut(): void;
  /**
   * Keeps every connection open but lets nothing through, either way, until {@link restore}: a
   * service that hangs instead of going away. What was sent meanwhile arrives, in order, after.
   */
  stall(): void;
  restore(): void;
  /** Connections open through the proxy right now. */
  readonly connections: number;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let cut = false;
  let stalled = false;
  const flow = ([client, upstream]: [Socket, Socket]) => {
    client.pipe(upstream);
    upstream.pipe(client);
  };
  const hold = ([client, upstream]: [Socket, Socket]) => {
    client.unpipe(upstream);
    upstream.unpipe(client);
    client.pause();
    upstream.pause();
  };
  const server = createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    if (stalled) hold(pair);
    else flow(pair);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const dropAll = () => {
    for (const [client, upstream] of [...pairs]) {
      client.destroy();
      upstream.destroy();
    }
    pairs.clear();
  };
  return {
    port,
    via(url) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    cut() {
      cut = true;
      dropAll();
    },
    stall() {
      if (stalled) return;
      stalled = true;
      for (const pair of pairs) hold(pair);
    },
    restore() {
      cut = false;
      if (!stalled) return;
      stalled = false;
      for (const pair of pairs) flow(pair);
    },
    get connections() {
      return pairs.size;
    },
    close() {
      dropAll();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
