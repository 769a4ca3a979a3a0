import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import pino, { type Logger as PinoLogger } from 'pino';
import { loadConfig, type Config } from '../../src/config/index.js';
import { startServer, type RunningServer } from '../../src/main.js';
import type { Bus } from '../../src/ports/bus.js';
import type { Clock } from '../../src/ports/clock.js';
import type { Counters } from '../../src/ports/counters.js';
import type { VisitorLimits } from '../../src/core/limits/visitor.js';

export interface TestServer extends RunningServer {
  dir: string;
  config: Config;
  /** Stops the server and removes its data directory. */
  close(): Promise<void>;
}

/**
 * Starts a real server on a free loopback port with its own data directory. `flags` are config
 * keys in kebab case, as on the command line.
 */
export async function startTestServer(flags: Record<string, string> = {}, dir = mkdtempSync(join(tmpdir(), 'herald-test-')), options: { clock?: Clock; logger?: PinoLogger; counters?: Counters; bus?: Bus; visitorLimits?: Partial<VisitorLimits> } = {}): Promise<TestServer> {
  // A relative auth-file lives in the test's own directory.
  if (flags['auth-file'] && !isAbsolute(flags['auth-file'])) flags = { ...flags, 'auth-file': join(dir, flags['auth-file']) };
  const { config } = loadConfig({
    env: {},
    flags: {
      'listen-http': '127.0.0.1:0',
      'cache-file': join(dir, 'cache.db'),
      'database-file': join(dir, 'herald.db'),
      'queue-file': join(dir, 'queue.db'),
      'attachment-cache-dir': join(dir, 'attachments'),
      'log-level': 'error',
      ...flags,
    },
  });
  // Every answer of a route with response schemas is checked against them, in every test.
  const server = await startServer(config, { ...options, checkResponses: true, logger: options.logger ?? pino({ level: process.env.HERALD_TEST_LOG ?? 'silent' }) });
  return {
    ...server,
    dir,
    config,
    async close() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A topic name no other test uses. */
export function randomTopic(prefix = 't'): string {
  return `${prefix}${Math.random().toString(36).slice(2, 12)}`;
}
