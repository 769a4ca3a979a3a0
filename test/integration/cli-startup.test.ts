import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { herald } from '../helpers/cli.js';
import { HERALD_BIN } from '../helpers/herald-process.js';

/**
 * The offline commands start fast because of what they do not load: the server (main.ts, Fastify,
 * the providers, pino, the PostgreSQL and Redis drivers on a SQLite installation), and the client
 * commands not even the database or the config schema. Asserted on the module graph each command
 * really resolves, recorded by a loader hook, rather than on wall-clock time, which depends on
 * the machine and its load.
 */

const MODULE_LOG = fileURLToPath(new URL('../helpers/module-log.js', import.meta.url));

/** Loaded only by the server, never by an offline command. */
const SERVER_ONLY: readonly RegExp[] = [
  /\/dist\/src\/main\.js$/,
  /\/dist\/src\/http\//,
  /\/dist\/src\/composition\/(stores|delivery-threads?|email-threads?|push-senders|notify-senders)\.js$/,
  /\/dist\/src\/adapters\/providers\/(apns|fcm|hms|smtp|sms|webhook)\//,
  /\/node_modules\/(fastify|@fastify\/[^/]+|pino|ioredis|web-push|nodemailer|smtp-server|liquidjs|prom-client|ws)\//,
];
/** Loaded by the account commands only when database-url points at PostgreSQL. */
const POSTGRES_ONLY: readonly RegExp[] = [/\/node_modules\/pg\//, /\/dist\/src\/adapters\/postgres\//];
/** What a pure HTTP client (publish, subscribe) has no use for. */
const DATABASE_AND_CONFIG: readonly RegExp[] = [/\/node_modules\/(kysely|better-sqlite3|bcryptjs|@sinclair\/typebox)\//, /\/dist\/src\/config\//, /\/dist\/src\/adapters\//];

let dir: string;
let config: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'herald-startup-'));
  config = join(dir, 'server.yml');
  writeFileSync(config, `auth-file: "${join(dir, 'auth.db')}"\ndatabase-file: "${join(dir, 'herald.db')}"\n`);
  const added = await herald(['user', 'add', 'phil', '-c', config], { env: { HERALD_PASSWORD: 'pw' } });
  assert.equal(added.code, 0, added.stderr);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the binary with the loader hook and returns its exit status and every module URL it resolved. */
function modulesOf(args: string[]): Promise<{ code: number; stderr: string; modules: string[] }> {
  const log = join(dir, `modules-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(log, '');
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HERALD_'))), HERALD_TEST_MODULE_LOG: log, XDG_CONFIG_HOME: join(dir, 'no-client-config') };
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', MODULE_LOG, HERALD_BIN, ...args], { env }, (err, _stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stderr, modules: readFileSync(log, 'utf8').split('\n').filter(Boolean) });
    });
  });
}

function assertNone(modules: readonly string[], patterns: readonly RegExp[], what: string): void {
  const found = modules.filter((url) => patterns.some((p) => p.test(url)));
  assert.deepEqual(found, [], `${what} loaded modules it should not need`);
}

test('user, access, token and key load neither the server nor, on SQLite, the PostgreSQL adapters', async () => {
  for (const args of [['user', 'list'], ['access'], ['token', 'list'], ['key', 'list']]) {
    const run = await modulesOf([...args, '-c', config]);
    assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
    // The log works: the command's own module and the SQLite adapter are in it.
    assert.ok(run.modules.some((url) => url.endsWith(`/dist/src/cli/commands/${args[0]}.js`)), `${args[0]}: ${run.modules.length} modules logged`);
    assert.ok(run.modules.some((url) => url.includes('/node_modules/better-sqlite3/')), 'better-sqlite3 loaded');
    assertNone(run.modules, [...SERVER_ONLY, ...POSTGRES_ONLY], `herald ${args.join(' ')}`);
  }
});

test('publish and subscribe load neither the server, nor the database, nor the config schema', async () => {
  for (const args of [['publish', '-s', 'http://127.0.0.1:1', 'topic', 'hello'], ['subscribe', '--poll', '-s', 'http://127.0.0.1:1', 'topic']]) {
    const run = await modulesOf(args);
    assert.equal(run.code, 1, 'nothing listens on port 1');
    assert.match(run.stderr, /connection refused/);
    assert.ok(run.modules.some((url) => url.endsWith(`/dist/src/cli/commands/${args[0]}.js`)));
    assertNone(run.modules, [...SERVER_ONLY, ...POSTGRES_ONLY, ...DATABASE_AND_CONFIG, /\/node_modules\/yaml\//], `herald ${args[0]}`);
  }
});
