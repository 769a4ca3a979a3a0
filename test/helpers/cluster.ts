import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createRedisBus, type RedisBus } from '../../src/adapters/redis/redis-bus.js';
import { loadConfig } from '../../src/config/index.js';
import { startServer, type RunningServer } from '../../src/main.js';
import { namespaceFor, REDIS_URL } from './services.js';

/** One Herald server of a test cluster: its own data directory, and a bus to the others over Redis. */
export interface ClusterNode extends RunningServer {
  bus: RedisBus;
  /** Stops the server, closes its bus, removes its directory. */
  close(): Promise<void>;
}

/**
 * Starts `count` Herald servers in this process whose buses meet on the test Redis (one fresh
 * prefix for the cluster). Each keeps its own SQLite files: what they share is the bus alone, so
 * only what travels on the bus (live messages, signals) crosses from one node to another.
 */
export async function startBusCluster(testName: string, count: number, flags: Record<string, string> = {}): Promise<ClusterNode[]> {
  const prefix = `${namespaceFor(testName)}:`;
  const nodes: ClusterNode[] = [];
  try {
    for (let i = 0; i < count; i++) nodes.push(await startNode(prefix, flags));
  } catch (err) {
    await Promise.all(nodes.map((n) => n.close()));
    throw err;
  }
  return nodes;
}

async function startNode(prefix: string, flags: Record<string, string>): Promise<ClusterNode> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-cluster-'));
  const logger = pino({ level: process.env.HERALD_TEST_LOG ?? 'silent' });
  const bus = await createRedisBus({ url: REDIS_URL, prefix, logger });
  const { config } = loadConfig({
    env: {},
    flags: {
      'listen-http': '127.0.0.1:0',
      'cache-file': join(dir, 'cache.db'),
      'database-file': join(dir, 'herald.db'),
      'queue-file': join(dir, 'queue.db'),
      'log-level': 'error',
      ...flags,
    },
  });
  let server: RunningServer;
  try {
    server = await startServer(config, { logger, bus });
  } catch (err) {
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    ...server,
    bus,
    async close() {
      await server.stop();
      await bus.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
