import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { herald } from '../helpers/cli.js';
import { provisioningScenario } from '../helpers/provisioning-scenario.js';

describe('declarative users on SQLite (auth-file)', () => {
  provisioningScenario(async () => ({ flags: { 'auth-file': 'auth.db' }, drop: async () => {} }));

  test('herald serve reports a bad entry as a configuration error (exit 2) and starts nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-provisioning-cli-'));
    try {
      const run = await herald([
        'serve', '--listen-http', '127.0.0.1:0', '--auth-file', join(dir, 'auth.db'), '--cache-file', join(dir, 'cache.db'),
        '--database-file', join(dir, 'herald.db'), '--queue-file', join(dir, 'queue.db'), '--auth-users', 'bob:plaintext:user',
      ]);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /^herald serve: invalid configuration \(1 problem\):\n {2}- auth-users entry 'bob:plaintext:user': the password must be a bcrypt hash/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the account keys need access control on', async () => {
    const run = await herald(['serve', '--listen-http', '127.0.0.1:0', '--auth-access', '*:news:ro']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /auth-users, auth-access and auth-tokens need access control on/);
  });
});
