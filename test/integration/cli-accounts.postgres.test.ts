import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/index.js';
import { openAuth, openKeys } from '../../src/main.js';
import { herald } from '../helpers/cli.js';
import { INSTALLED_BIN, runHeraldProcess } from '../helpers/herald-process.js';
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

  it('tier commands and change-tier write PostgreSQL, and the user authenticates with the tier', opts, async () => {
    const flags = ['--database-url', db.url];
    const added = await herald(['tier', 'add', '--name', 'Pro', '--message-limit', '100', '--reservation-limit', '0', 'pro', ...flags]);
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /- Message limit: 100\n/);
    assert.equal((await herald(['user', 'add', 'tina', ...flags], { env: { HERALD_PASSWORD: 'pw' } })).code, 0);
    const changed = await herald(['user', 'change-tier', 'tina', 'pro', ...flags]);
    assert.equal(changed.code, 0, changed.stderr);
    assert.match((await herald(['user', 'list', ...flags])).stdout, /user tina \(role: user, tier: pro\)/);
    const refused = await herald(['tier', 'del', 'pro', ...flags]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /assigned to users/);

    const accounts = (await openAuth(loadConfig({ env: {}, flags: { 'database-url': db.url } }).config))!;
    try {
      const tina = await accounts.auth.authenticate({ kind: 'basic', username: 'tina', password: 'pw' });
      assert.equal((await accounts.auth.tierOf(tina))?.messagesLimit, 100);
    } finally {
      await accounts.close();
    }
    assert.equal((await herald(['user', 'change-tier', 'tina', '-', ...flags])).code, 0);
    assert.equal((await herald(['tier', 'del', 'pro', ...flags])).code, 0);
    assert.match((await herald(['tier', 'list', ...flags])).stdout, /^no tiers\n$/);
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

  it('the installed binary (bin/herald.js, the CLI bundle) works on PostgreSQL too', opts, async () => {
    const flags = ['--database-url', db.url];
    const added = await runHeraldProcess(['user', 'add', 'bundled', ...flags], { entry: INSTALLED_BIN, env: { HERALD_PASSWORD: 'pw' } });
    assert.equal(added.code, 0, added.stderr);
    const listed = await runHeraldProcess(['user', 'list', ...flags], { entry: INSTALLED_BIN });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^user bundled \(role: user\)$/m);
    const keys = await runHeraldProcess(['key', 'list', ...flags], { entry: INSTALLED_BIN });
    assert.equal(keys.code, 0, keys.stderr);
    assert.match(keys.stdout, /backend/);
  });

  it('auth-file beside database-url is refused', opts, async () => {
    const run = await herald(['user', 'list', '--database-url', db.url, '--auth-file', '/tmp/never-opened.db']);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /auth-file and database-url are both set/);
  });
});
