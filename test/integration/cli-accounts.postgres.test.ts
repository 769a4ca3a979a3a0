import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/index.js';
import { openAuth, openKeys } from '../../src/main.js';
import { herald } from '../helpers/cli.js';
import { freshPostgresSchema, serviceSkip } from '../helpers/services.js';

// With database-url, the account and key commands work on PostgreSQL, where every node reads
// them; auth-file beside it is refused, as by the server.

describe('account and key commands with database-url', async () => {
  const skipped = await serviceSkip('postgres');
  const opts = skipped ? { skip: skipped } : {};
  let db: Awaited<ReturnType<typeof freshPostgresSchema>>;

  before(async () => {
    if (!skipped) db = await freshPostgresSchema('cli accounts postgres');
  });
  after(async () => {
    await db?.drop();
  });

  it('user, access and token commands write the accounts in PostgreSQL', opts, async () => {
    const flags = ['--database-url', db.url];
    const added = await herald(['user', 'add', '--role', 'user', 'phil', ...flags], { env: { HERALD_PASSWORD: 'correct horse' } });
    assert.equal(added.code, 0, added.stderr);
    const granted = await herald(['access', 'phil', 'alerts', 'read-only', ...flags]);
    assert.equal(granted.code, 0, granted.stderr);
    const token = await herald(['token', 'add', 'phil', ...flags]);
    assert.equal(token.code, 0, token.stderr);
    const listed = await herald(['user', 'list', ...flags]);
    assert.match(listed.stdout, /user phil \(role: user/);
    assert.match(listed.stdout, /read-only access to topic alerts/);

    const accounts = (await openAuth(loadConfig({ env: {}, flags: { 'database-url': db.url } }).config))!;
    try {
      const user = await accounts.auth.authenticate({ kind: 'basic', username: 'phil', password: 'correct horse' });
      assert.equal(user.name, 'phil');
    } finally {
      await accounts.close();
    }
  });

  it('key create writes the key in PostgreSQL', opts, async () => {
    const created = await herald(['key', 'create', '--name', 'backend', '--scopes', 'push:send', '--database-url', db.url]);
    assert.equal(created.code, 0, created.stderr);
    const { keys, close } = await openKeys(loadConfig({ env: {}, flags: { 'database-url': db.url } }).config);
    try {
      const listed = await keys.list();
      assert.deepEqual(listed.map((k) => k.name), ['backend']);
    } finally {
      await close();
    }
  });

  it('auth-file beside database-url is refused', opts, async () => {
    const run = await herald(['user', 'list', '--database-url', db.url, '--auth-file', '/tmp/never-opened.db']);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /auth-file and database-url are both set/);
  });
});
