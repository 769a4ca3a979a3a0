import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer } from '../helpers/server.js';

const CLI = fileURLToPath(new URL('../../src/cli/herald.js', import.meta.url));

test('herald key create/list/rotate/revoke work on the database a running server uses', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-keys-'));
  const server = await startTestServer({}, dir);
  const db = join(dir, 'herald.db');
  const run = (...args: string[]) => spawnSync(process.execPath, [CLI, 'key', ...args, '--database-file', db], { encoding: 'utf8' });
  try {
    const created = run('create', '--name', 'reporting', '--scopes', 'audit:read,stats:read', '--expires', '30d');
    assert.equal(created.status, 0, created.stderr);
    const secret = created.stdout.trim();
    assert.match(secret, /^hk_[A-Za-z0-9]{40}$/);
    assert.match(created.stderr, /shown only now/);
    const audit = await fetch(`${server.url}/v1/audit`, { headers: { Authorization: `Bearer ${secret}` } });
    assert.equal(audit.status, 200);
    const entries = (await audit.json()) as { actor: string; action: string }[];
    assert.ok(entries.some((e) => e.actor === 'cli' && e.action === 'key.create'));
    const listed = run('list');
    assert.equal(listed.status, 0);
    assert.match(listed.stdout, /reporting {2}\(active\)/);
    assert.ok(!listed.stdout.includes(secret.slice(10)), 'the secret is never listed');
    const id = /^(key_[A-Za-z0-9]{12})/m.exec(listed.stdout)![1]!;
    const rotated = run('rotate', id, '--overlap', '1h');
    assert.equal(rotated.status, 0, rotated.stderr);
    assert.notEqual(rotated.stdout.trim(), secret);
    assert.equal(run('revoke', id).status, 0);
    assert.equal((await fetch(`${server.url}/v1/audit`, { headers: { Authorization: `Bearer ${secret}` } })).status, 401);
    assert.equal((await fetch(`${server.url}/v1/audit`, { headers: { Authorization: `Bearer ${rotated.stdout.trim()}` } })).status, 200);
    const bad = run('create', '--name', 'x', '--scopes', 'everything');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /unknown scope 'everything'/);
    assert.equal(run('create', '--scopes', 'admin').status, 2, 'missing --name is a usage error');
    assert.equal(run('launch').status, 2);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('herald webpush keys prints a usable VAPID key pair', () => {
  const run = spawnSync(process.execPath, [CLI, 'webpush', 'keys'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const pub = /^web-push-public-key: ([A-Za-z0-9_-]+)$/m.exec(run.stdout)?.[1];
  const priv = /^web-push-private-key: ([A-Za-z0-9_-]+)$/m.exec(run.stdout)?.[1];
  assert.equal(Buffer.from(pub!, 'base64url').length, 65);
  assert.equal(Buffer.from(priv!, 'base64url').length, 32);
  assert.equal(spawnSync(process.execPath, [CLI, 'webpush', 'nope'], { encoding: 'utf8' }).status, 2);
});
