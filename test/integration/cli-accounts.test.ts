import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { ERROR_CODES } from '../../src/errors/codes.js';
import { openAuth } from '../../src/main.js';
import { herald, type CliRun } from '../helpers/cli.js';
import { randomTopic, startTestServer, type TestServer } from '../helpers/server.js';
import { eventually } from '../helpers/wait.js';

/** `herald user`, `herald access` and `herald token`, run in-process on real account databases. */
type Run = CliRun;

/** The CLI pointed at one auth file; asserts success unless `expect` says otherwise. */
function accountsCli(file: string) {
  return async (args: string[], expect = 0, options: { password?: string; input?: string } = {}): Promise<Run> => {
    const env: Record<string, string> = options.password === undefined ? {} : { HERALD_PASSWORD: options.password };
    const run = await herald([...args, '--auth-file', file, '--database-file', join(dirname(file), 'herald.db')], { env, ...(options.input === undefined ? {} : { input: options.input }) });
    assert.equal(run.code, expect, `herald ${args.join(' ')}: ${run.stdout}${run.stderr}`);
    return run;
  };
}

/** Checks a password with a fresh AuthService, so no remembered login skews the answer. */
async function canLogin(file: string, username: string, password: string): Promise<boolean> {
  const accounts = (await openAuth(loadConfig({ env: {}, flags: { 'auth-file': file, 'database-file': join(dirname(file), 'herald.db') } }).config))!;
  try {
    await accounts.auth.authenticate({ kind: 'basic', username, password });
    return true;
  } catch {
    return false;
  } finally {
    await accounts.close();
  }
}

async function inTempDir(body: (file: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-cli-accounts-'));
  try {
    await body(join(dir, 'auth.db'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function withServer(flags: Record<string, string>, body: (server: TestServer) => Promise<void>): Promise<void> {
  const server = await startTestServer(flags);
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

async function publishStatus(server: TestServer, topic: string, authorization?: string): Promise<number> {
  const res = await fetch(`${server.url}/${topic}`, { method: 'POST', body: 'hi', headers: authorization ? { authorization } : {} });
  await res.arrayBuffer();
  return res.status;
}

/** How often a test asks a running server whether it has seen a change made by the CLI. */
const ACCESS_POLL_MS = 100;

/** The server re-reads the file on its own schedule (about a second), so wait for the outcome. */
test('user add, list, duplicate, change-role, change-pass and del', async () => {
  await inTempDir(async (file) => {
    const cli = accountsCli(file);
    const added = await cli(['user', 'add', 'phil'], 0, { password: 'first-pass' });
    assert.match(added.stdout, /user phil added with role user/);
    await cli(['user', 'add', '--role', 'admin', 'ben'], 0, { input: 'piped-pass\nignored\n' });
    assert.ok(await canLogin(file, 'ben', 'piped-pass'), 'password read from the first line of stdin');

    const list = await cli(['user', 'list']);
    assert.match(list.stdout, /^user phil \(role: user\)\n- no topic-specific permissions$/m);
    assert.match(list.stdout, /^user ben \(role: admin\)\n- read-write access to all topics \(admin role\)$/m);
    assert.match(list.stdout, /^user \* \(role: anonymous\)$/m);

    const duplicate = await cli(['user', 'add', 'phil'], 1, { password: 'x' });
    assert.match(duplicate.stderr, /^herald user: .*user already exists: phil$/m);
    await cli(['user', 'add'], 2);
    await cli(['user', 'add', '--role', 'boss', 'eve'], 2, { password: 'x' });
    const noPassword = await cli(['user', 'add', 'eve'], 1);
    assert.match(noPassword.stderr, /no password/);

    await cli(['user', 'change-role', 'phil', 'admin']);
    assert.match((await cli(['user', 'list'])).stdout, /^user phil \(role: admin\)$/m);
    await cli(['user', 'change-role', 'phil', 'user']);
    assert.match((await cli(['user', 'list'])).stdout, /^user phil \(role: user\)$/m);

    assert.ok(await canLogin(file, 'phil', 'first-pass'));
    await cli(['user', 'change-pass', 'phil'], 0, { password: 'second-pass' });
    assert.equal(await canLogin(file, 'phil', 'first-pass'), false, 'old password is refused');
    assert.ok(await canLogin(file, 'phil', 'second-pass'), 'new password works');

    await cli(['user', 'remove', 'ben']);
    const gone = await cli(['user', 'del', 'ben'], 1);
    assert.match(gone.stderr, /user not found: ben/);
    assert.doesNotMatch((await cli(['user', 'list'])).stdout, /user ben/);
  });
});

test('access grant, list and reset, including everyone', async () => {
  await inTempDir(async (file) => {
    const cli = accountsCli(file);
    await cli(['user', 'add', 'phil'], 0, { password: 'pw' });
    const granted = await cli(['access', 'phil', 'acl*', 'rw']);
    assert.match(granted.stdout, /granted read-write access to topic acl\*/);
    await cli(['access', 'phil', 'secret', 'deny']);
    await cli(['access', 'everyone', 'announce', 'read']);
    await cli(['access', '*', 'drop', 'write-only']);

    const all = (await cli(['access'])).stdout;
    assert.match(all, /^user phil \(role: user\)\n(- .*\n)*- read-write access to topic acl\*$/m);
    assert.match(all, /^- no access to topic secret$/m);
    assert.match(all, /^user \* \(role: anonymous\)\n(- .*\n)*- read-only access to topic announce$/m);
    assert.match(all, /^- write-only access to topic drop$/m);
    assert.match(all, /^- read-write access to all \(other\) topics \(server config\)$/m);
    const one = (await cli(['access', 'everyone'])).stdout;
    assert.doesNotMatch(one, /user phil/);
    assert.match(one, /announce/);

    const bad = await cli(['access', 'phil', 'acl', 'sometimes'], 1);
    assert.match(bad.stderr, new RegExp(`^herald access: ${ERROR_CODES.permissionInvalid.message}`, 'm'));
    assert.equal(ERROR_CODES.permissionInvalid.code, 40025);
    await cli(['access', 'phil', 'acl'], 2);
    assert.match((await cli(['access', 'nobody'], 1)).stderr, /user not found: nobody/);

    const single = await cli(['access', '--reset', 'phil', 'secret']);
    assert.match(single.stdout, /reset access for user phil: secret/);
    assert.doesNotMatch((await cli(['access', 'phil'])).stdout, /secret/);
    assert.match((await cli(['access', 'phil'])).stdout, /acl\*/);

    const everything = await cli(['access', '--reset']);
    assert.match(everything.stdout, /reset access for user phil: acl\* \(read-write\)/);
    assert.match(everything.stdout, /reset access for user \*: .*announce \(read-only\)/);
    const after = (await cli(['access'])).stdout;
    assert.doesNotMatch(after, /access to topic/);
    assert.match((await cli(['access', '--reset'])).stdout, /nothing to reset/);
  });
});

test('a missing auth-file is a usage error', async () => {
  for (const args of [['user', 'list'], ['access'], ['token', 'list']]) {
    const run = await herald(args);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, new RegExp(`^herald ${args[0]}: auth-file is not set \\(no config file was found\\); pass --auth-file PATH or -c FILE, or set it in the config$`, 'm'));
  }
  await inTempDir(async (file) => {
    const run = await herald(['user', 'add', 'envuser'], { env: { HERALD_AUTH_FILE: file, HERALD_DATABASE_FILE: join(dirname(file), 'herald.db'), HERALD_PASSWORD: 'pw' } });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(await canLogin(file, 'envuser', 'pw'), 'HERALD_AUTH_FILE locates the database');
  });
});

test('token add, list and remove; the token works on a running server until removed', async () => {
  await withServer({ 'auth-file': 'auth.db', 'auth-default-access': 'deny-all' }, async (server) => {
    const cli = accountsCli(server.config.authFile);
    await cli(['user', 'add', 'phil'], 0, { password: 'pw' });
    await cli(['access', 'phil', 'tok*', 'rw']);

    const made = await cli(['token', 'add', '--label', 'backup job', 'phil']);
    const token = /^token (tk_[a-z0-9]{29}) created for user phil, never expires$/m.exec(made.stdout)?.[1];
    assert.ok(token, made.stdout);
    const dated = await cli(['token', 'add', '--expires', '30d', 'phil']);
    const expiry = /created for user phil, expires (\d{4}-\d\d-\d\d) /.exec(dated.stdout)?.[1];
    const expected = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    assert.ok(expiry === expected || Math.abs(Date.parse(expiry!) - Date.parse(expected)) <= 86_400_000, dated.stdout);
    await cli(['token', 'add', '--expires', 'soon', 'phil'], 2);
    await cli(['token', 'add', 'nobody'], 1);

    const listed = (await cli(['token', 'list'])).stdout;
    assert.match(listed, new RegExp(`^- ${token} \\(backup job\\), never expires, last access `, 'm'));
    assert.equal(listed.match(/^- tk_/gm)?.length, 2);
    assert.match((await cli(['token', 'list', 'phil'])).stdout, /^user phil$/m);

    const topic = randomTopic('tok');
    assert.equal(await publishStatus(server, topic, `Bearer ${token}`), 200);
    assert.equal(await publishStatus(server, topic), 403);

    const removed = await cli(['token', 'remove', 'phil', token!]);
    assert.match(removed.stdout, /removed for user phil/);
    await eventually('removed token refused', async () => (await publishStatus(server, topic, `Bearer ${token}`)) === 401);
    assert.match((await cli(['token', 'remove', 'phil', token!], 1)).stderr, /token not found/);
    assert.equal((await cli(['token', 'list', 'phil'])).stdout.match(/^- tk_/gm)?.length, 1);
  });
});

test('end to end: a grant made with the CLI opens a topic on a running server', async () => {
  await withServer({ 'auth-file': 'auth.db', 'auth-default-access': 'deny-all' }, async (server) => {
    const cli = accountsCli(server.config.authFile);
    await cli(['user', 'add', 'phil'], 0, { password: 'pw' });
    const topic = randomTopic('e2e');
    const phil = basic('phil', 'pw');
    assert.equal(await publishStatus(server, topic, phil), 403);

    await cli(['access', 'phil', topic, 'write-only']);
    // The server remembers ACL entries until its change poll (about a second) sees the CLI's
    // write; polling every 10 ms for that long would spend the visitor's 60-request burst, and
    // the next call would be 429, not the answer asked about.
    await eventually('publish allowed after the grant', async () => (await publishStatus(server, topic, phil)) === 200, undefined, ACCESS_POLL_MS);
    assert.equal(await publishStatus(server, topic), 403, 'anonymous callers are still denied');

    await cli(['access', '--reset', 'phil', topic]);
    await eventually('publish denied after the reset', async () => (await publishStatus(server, topic, phil)) === 403, undefined, ACCESS_POLL_MS);

    await cli(['user', 'change-pass', 'phil'], 0, { input: 'changed\n' });
    await eventually('old password refused by the server', async () => (await publishStatus(server, topic, phil)) === 401, undefined, ACCESS_POLL_MS);
  });
});
