import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { herald, denyAllServerYml } from '../helpers/cli.js';
import { killHeraldProcesses, restartablePort, runHeraldProcess, spawnHerald, untilHealthy } from '../helpers/herald-process.js';

/**
 * Which server config file `serve` and the account commands read when none is named (./herald.yml
 * after /etc/herald/server.yml), and that a mistyped flag stops them instead of being ignored.
 */
after(killHeraldProcesses);

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'herald-cfg-'));
}

test('serve and the account commands both read ./herald.yml when no config is named, and serve logs which file it used', async () => {
  const dir = tempDir();
  const port = await restartablePort();
  writeFileSync(join(dir, 'herald.yml'), denyAllServerYml(dir, port));
  try {
    const added = await runHeraldProcess(['user', 'add', 'phil'], { cwd: dir, env: { HERALD_PASSWORD: 'pw' } });
    assert.equal(added.code, 0, added.stderr);
    const listed = await runHeraldProcess(['user', 'list'], { cwd: dir });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^user phil \(role: user\)$/m);
    assert.match(listed.stdout, /no access to any \(other\) topics/, 'auth-default-access from the same file');

    const server = spawnHerald(['serve', '--log-format', 'text'], { cwd: dir });
    try {
      const url = `http://127.0.0.1:${port}`;
      await untilHealthy(url, server);
      assert.match(server.stderr(), new RegExp(`config file ${join(dir, 'herald.yml')} \\(default location\\)`));
      // The server reads the same account database the CLI wrote.
      const basic = `Basic ${Buffer.from('phil:pw').toString('base64')}`;
      assert.equal((await fetch(`${url}/v1/account`, { headers: { Authorization: basic } })).status, 200);
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--config and $HERALD_CONFIG beat ./herald.yml; without any file the log says so', async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'herald.yml'), `auth-file: "${join(dir, 'default.db')}"\n`);
    writeFileSync(join(dir, 'other.yml'), `auth-file: "${join(dir, 'other.db')}"\n`);
    const env = { HERALD_PASSWORD: 'pw', HERALD_DATABASE_FILE: ':memory:' };
    assert.equal((await runHeraldProcess(['user', 'add', 'fromflag', '-c', join(dir, 'other.yml')], { cwd: dir, env })).code, 0);
    assert.equal((await runHeraldProcess(['user', 'add', 'fromenv'], { cwd: dir, env: { ...env, HERALD_CONFIG: join(dir, 'other.yml') } })).code, 0);
    assert.equal((await runHeraldProcess(['user', 'add', 'fromdefault'], { cwd: dir, env })).code, 0);
    const other = await runHeraldProcess(['user', 'list', '--config', join(dir, 'other.yml')], { cwd: dir });
    assert.match(other.stdout, /user fromflag/);
    assert.match(other.stdout, /user fromenv/);
    assert.doesNotMatch(other.stdout, /user fromdefault/);
    const dflt = await runHeraldProcess(['user', 'list'], { cwd: dir });
    assert.deepEqual(dflt.stdout.match(/^user \S+/gm), ['user fromdefault', 'user *']);

    const empty = tempDir();
    try {
      const port = await restartablePort();
      const server = spawnHerald(['serve', '--log-format', 'text', '--listen-http', `127.0.0.1:${port}`, '--database-file', join(empty, 'h.db'), '--cache-file', join(empty, 'c.db'), '--queue-file', join(empty, 'q.db'), '--attachment-cache-dir', ''], { cwd: empty });
      try {
        await untilHealthy(`http://127.0.0.1:${port}`, server);
        assert.match(server.stderr(), /no config file \(looked for \/etc\/herald\/server\.yml, herald\.yml\)/);
      } finally {
        await server.stop();
      }
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unknown flag is a usage error (exit 2) for serve and the account commands; an unknown YAML key is only a warning', async () => {
  const typo = await herald(['serve', '--listen-htp', ':9999']);
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /unknown option '--listen-htp' \(did you mean --listen-http\?\)/);
  const ntfyOnly = await herald(['serve', '--stripe-key', 'x']);
  assert.equal(ntfyOnly.code, 2);
  assert.match(ntfyOnly.stderr, /'--stripe-key': an ntfy option Herald does not use, since payments are out of scope/);
  const short = await herald(['serve', '-x']);
  assert.equal(short.code, 2);
  assert.match(short.stderr, /unknown option '-x'/);
  const account = await herald(['user', 'list', '--auth-fle', '/tmp/x.db']);
  assert.equal(account.code, 2);
  assert.match(account.stderr, /unknown option '--auth-fle' \(did you mean --auth-file\?\)/);

  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'server.yml'), `auth-file: "${join(dir, 'auth.db')}"\ndatabase-file: ":memory:"\nno-such-key: 1\n`);
    const listed = await herald(['user', 'list', '-c', join(dir, 'server.yml')]);
    assert.equal(listed.code, 0, listed.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('log-file sends the log to a file (its directory created) instead of the terminal', async () => {
  const dir = tempDir();
  try {
    const port = await restartablePort();
    const log = join(dir, 'logs', 'herald.log');
    const server = spawnHerald(['serve', '--log-file', log, '--listen-http', `127.0.0.1:${port}`, '--database-file', join(dir, 'h.db'), '--cache-file', join(dir, 'c.db'), '--queue-file', join(dir, 'q.db'), '--attachment-cache-dir', ''], { cwd: dir });
    try {
      await untilHealthy(`http://127.0.0.1:${port}`, server);
      const lines = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string }) : []);
      assert.ok(lines().some((l) => l.msg === 'herald listening'), readFileSync(log, 'utf8'));
      assert.ok(lines().some((l) => l.msg.startsWith('no config file')));
      assert.doesNotMatch(server.stdout(), /herald listening/);
    } finally {
      await server.stop();
    }
    assert.ok(lines(log).some((l) => l.msg === 'herald stopped'), 'written up to the last line');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function lines(file: string): { msg: string }[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string });
}
