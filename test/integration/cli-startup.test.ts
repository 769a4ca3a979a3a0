import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { herald } from '../helpers/cli.js';
import { HERALD_BIN, INSTALLED_BIN as BIN } from '../helpers/herald-process.js';

/**
 * The offline commands start fast because of what they do not load: the server (main.ts, Fastify,
 * the providers, pino, the PostgreSQL and Redis drivers on a SQLite installation), and the client
 * commands not even the database or the config schema. Asserted on the module graph each command
 * really resolves, recorded by a loader hook, rather than on wall-clock time, which depends on
 * the machine and its load (`npm run bench -- cli-start` measures that).
 *
 * Both ways the CLI runs are checked: tsc's output as it is (dist/src/cli/herald.js, what the
 * other tests run) and bin/herald.js, which runs the esbuild bundle of the account commands
 * (dist/cli/, scripts/bundle-cli.mjs). A module inside the bundle is not resolved on its own, so
 * for each bundle file loaded the modules it holds (dist/cli/inputs.json) count as loaded too.
 */

const MODULE_LOG = fileURLToPath(new URL('../helpers/module-log.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ENTRIES = [HERALD_BIN, BIN];
/** Module URLs inside each bundle file, from the metafile bundle-cli.mjs writes. */
const BUNDLED: Record<string, string[]> = (() => {
  // Missing when the bundle was not built; the bundle test then says so.
  const file = join(ROOT, 'dist', 'cli', 'inputs.json');
  const inputs = (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {}) as Record<string, string[]>;
  return Object.fromEntries(Object.entries(inputs).map(([out, ins]) => [pathToFileURL(join(ROOT, out)).href, ins.map((i) => pathToFileURL(resolve(ROOT, i)).href)]));
})();

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

interface ModuleRun {
  code: number;
  stderr: string;
  /** Every module URL resolved, plus the modules held by the bundle files among them. */
  modules: string[];
  /** The ES module files the process resolved (no node: built-ins), each read and compiled on its own. */
  files: string[];
}

/** Runs `entry` with the loader hook and returns its exit status and the modules it loaded. */
function modulesOf(entry: string, args: string[]): Promise<ModuleRun> {
  const log = join(dir, `modules-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(log, '');
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HERALD_'))), HERALD_TEST_MODULE_LOG: log, XDG_CONFIG_HOME: join(dir, 'no-client-config') };
  return new Promise((done) => {
    execFile(process.execPath, ['--import', MODULE_LOG, entry, ...args], { env }, (err, _stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      const files = [...new Set(readFileSync(log, 'utf8').split('\n').filter((url) => url && !url.startsWith('node:')))];
      done({ code, stderr, files, modules: [...files, ...files.flatMap((url) => BUNDLED[url] ?? [])] });
    });
  });
}

function assertNone(modules: readonly string[], patterns: readonly RegExp[], what: string): void {
  const found = modules.filter((url) => patterns.some((p) => p.test(url)));
  assert.deepEqual(found, [], `${what} loaded modules it should not need`);
}

test('user, access, token, key and tier load neither the server nor, on SQLite, the PostgreSQL adapters', async () => {
  for (const entry of ENTRIES) {
    for (const args of [['user', 'list'], ['access'], ['token', 'list'], ['key', 'list'], ['tier', 'list']]) {
      const run = await modulesOf(entry, [...args, '-c', config]);
      const what = `${entry === BIN ? 'bin/herald.js' : 'dist/src'} ${args.join(' ')}`;
      assert.equal(run.code, 0, `${what}: ${run.stderr}`);
      // The log works: the command's own module and the SQLite adapter are in it.
      assert.ok(run.modules.some((url) => url.endsWith(`/dist/src/cli/commands/${args[0]}.js`)), `${what}: ${run.modules.length} modules logged`);
      assert.ok(run.modules.some((url) => url.includes('/node_modules/better-sqlite3/')), 'better-sqlite3 loaded');
      assertNone(run.modules, [...SERVER_ONLY, ...POSTGRES_ONLY], `herald ${what}`);
    }
  }
});

test('bin/herald.js runs the account commands from the bundle: a few files instead of some 600', async () => {
  for (const args of [['user', 'list'], ['access'], ['token', 'list'], ['key', 'list'], ['tier', 'list']]) {
    const run = await modulesOf(BIN, [...args, '-c', config]);
    assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
    assert.ok(run.files.some((url) => url.endsWith('/dist/cli/herald.js')), `bin/herald.js ran the bundle (is dist/cli/ built? npm run build): ${run.files.join(' ')}`);
    // Kysely, TypeBox and yaml are inside the bundle, not some 600 files of their own.
    assertNone(run.files, [/\/node_modules\/(kysely|@sinclair\/typebox|yaml)\//, /\/dist\/src\//], `herald ${args.join(' ')} (bundled)`);
    // Today about 20: bin, build-if-needed, the entry, its chunks, better-sqlite3, bcryptjs. Unbundled, 584.
    assert.ok(run.files.length <= 40, `herald ${args.join(' ')} loaded ${run.files.length} files: ${run.files.join('\n')}`);
  }
});

test('publish and subscribe load neither the server, nor the database, nor the config schema', async () => {
  for (const entry of ENTRIES) {
    for (const args of [['publish', '-s', 'http://127.0.0.1:1', 'topic', 'hello'], ['subscribe', '--poll', '-s', 'http://127.0.0.1:1', 'topic']]) {
      const run = await modulesOf(entry, args);
      assert.equal(run.code, 1, 'nothing listens on port 1');
      assert.match(run.stderr, /connection refused/);
      assert.ok(run.modules.some((url) => url.endsWith(`/dist/src/cli/commands/${args[0]}.js`)));
      assertNone(run.modules, [...SERVER_ONLY, ...POSTGRES_ONLY, ...DATABASE_AND_CONFIG, /\/node_modules\/yaml\//], `herald ${args[0]}`);
    }
  }
});
