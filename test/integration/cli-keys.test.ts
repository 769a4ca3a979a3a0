import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { herald } from '../helpers/cli.js';
import { startTestServer } from '../helpers/server.js';

/** `herald key` and `herald webpush keys`, run in-process. */

test('herald key create/list/rotate/revoke work on the database a running server uses', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-keys-'));
  const server = await startTestServer({}, dir);
  const db = join(dir, 'herald.db');
  const run = (...args: string[]) => herald(['key', ...args, '--database-file', db]);
  try {
    const created = await run('create', '--name', 'reporting', '--scopes', 'audit:read,stats:read', '--expires', '30d');
    assert.equal(created.code, 0, created.stderr);
    const secret = created.stdout.trim();
    assert.match(secret, /^hk_[A-Za-z0-9]{40}$/);
    assert.match(created.stderr, /shown only now/);
    const audit = await fetch(`${server.url}/v1/audit`, { headers: { Authorization: `Bearer ${secret}` } });
    assert.equal(audit.status, 200);
    const entries = (await audit.json()) as { actor: string; action: string }[];
    assert.ok(entries.some((e) => e.actor === 'cli' && e.action === 'key.create'));
    const listed = await run('list');
    assert.equal(listed.code, 0);
    assert.match(listed.stdout, /reporting {2}\(active\)/);
    assert.ok(!listed.stdout.includes(secret.slice(10)), 'the secret is never listed');
    const id = /^(key_[A-Za-z0-9]{12})/m.exec(listed.stdout)![1]!;
    const rotated = await run('rotate', id, '--overlap', '1h');
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.notEqual(rotated.stdout.trim(), secret);
    assert.equal((await run('revoke', id)).code, 0);
    assert.equal((await fetch(`${server.url}/v1/audit`, { headers: { Authorization: `Bearer ${secret}` } })).status, 401);
    assert.equal((await fetch(`${server.url}/v1/audit`, { headers: { Authorization: `Bearer ${rotated.stdout.trim()}` } })).status, 200);
    const bad = await run('create', '--name', 'x', '--scopes', 'everything');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /unknown scope 'everything'/);
    assert.equal((await run('create', '--scopes', 'admin')).code, 2, 'missing --name is a usage error');
    assert.equal((await run('launch')).code, 2);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('herald webpush keys prints a usable VAPID key pair', async () => {
  const run = await herald(['webpush', 'keys']);
  assert.equal(run.code, 0, run.stderr);
  const pub = /^web-push-public-key: ([A-Za-z0-9_-]+)$/m.exec(run.stdout)?.[1];
  const priv = /^web-push-private-key: ([A-Za-z0-9_-]+)$/m.exec(run.stdout)?.[1];
  assert.equal(Buffer.from(pub!, 'base64url').length, 65);
  assert.equal(Buffer.from(priv!, 'base64url').length, 32);
  assert.equal((await herald(['webpush', 'nope'])).code, 2);
});
