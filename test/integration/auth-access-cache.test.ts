import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBcryptPasswordHasher } from '../../src/adapters/crypto/bcrypt-password-hasher.js';
import { createSqliteAuthStore } from '../../src/adapters/sqlite/auth/sqlite-auth-store.js';
import { AuthService } from '../../src/core/auth/auth-service.js';
import { ANONYMOUS } from '../../src/core/auth/principal.js';
import type { AuthStore } from '../../src/ports/auth-store.js';
import { systemClock } from '../../src/ports/clock.js';

/**
 * AuthService remembers ACL entries between account changes (a read per request was a round
 * trip per publish on PostgreSQL). These tests pin when it must read the store again: after any
 * change made through it, after forgetVerified() (what a node does when the bus or its change
 * counter poll reports another node's or the CLI's change), and after a failed read.
 */

interface Counted {
  store: AuthStore;
  reads(): number;
  failNext(): void;
}

/** The real SQLite store with its ACL reads counted, and a switch to make the next one fail. */
function counted(store: AuthStore): Counted {
  let reads = 0;
  let fail = false;
  const wrapped = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'access') {
        return async (userId: string | null) => {
          reads++;
          if (fail) {
            fail = false;
            throw new Error('database unreachable');
          }
          return target.access(userId);
        };
      }
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: wrapped, reads: () => reads, failNext: () => (fail = true) };
}

async function withAuth(body: (ctx: { auth: AuthService; counted: Counted; other: AuthService }) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-acl-cache-'));
  const file = join(dir, 'auth.db');
  const store = await createSqliteAuthStore({ file });
  // A second service on the same file, as the CLI (or another node) would change it.
  const otherStore = await createSqliteAuthStore({ file });
  const hasher = createBcryptPasswordHasher({ cost: 4 });
  try {
    const c = counted(store);
    const auth = new AuthService({ store: c.store, hasher, clock: systemClock, defaultAccess: 'deny-all' });
    const other = new AuthService({ store: otherStore, hasher, clock: systemClock, defaultAccess: 'deny-all' });
    await body({ auth, counted: c, other });
  } finally {
    await store.close();
    await otherStore.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('anonymous requests read the everyone entries once, a concurrent burst included', async () => {
  await withAuth(async ({ auth, counted: c }) => {
    await auth.grant('*', 'news', 'read-write');
    const answers = await Promise.all(Array.from({ length: 20 }, () => auth.allowed(ANONYMOUS, ['news'], 'write')));
    assert.deepEqual(answers, Array(20).fill(true));
    assert.equal(c.reads(), 1);
    assert.equal(await auth.allowed(ANONYMOUS, ['other'], 'read'), false);
    assert.equal(c.reads(), 1);
  });
});

test('a change made through the service is seen by the next request', async () => {
  await withAuth(async ({ auth, counted: c }) => {
    assert.equal(await auth.allowed(ANONYMOUS, ['news'], 'read'), false);
    await auth.grant('*', 'news', 'read-only');
    assert.equal(await auth.allowed(ANONYMOUS, ['news'], 'read'), true);
    assert.equal(await auth.allowed(ANONYMOUS, ['news'], 'write'), false);
    await auth.resetAccess('*', 'news');
    assert.equal(await auth.allowed(ANONYMOUS, ['news'], 'read'), false);
    assert.equal(c.reads(), 3);
  });
});

test('a user\'s own entries and everyone\'s are remembered apart, and a user change drops both', async () => {
  await withAuth(async ({ auth, counted: c }) => {
    await auth.addUser('phil', 'secret-pass', 'user');
    await auth.grant('phil', 'mine', 'read-write');
    const phil = await auth.authenticate({ kind: 'basic', username: 'phil', password: 'secret-pass' });
    assert.equal(await auth.allowed(phil, ['mine'], 'write'), true);
    assert.equal(await auth.allowed(phil, ['mine'], 'read'), true);
    assert.equal(c.reads(), 2); // phil's entries and everyone's, once each
    await auth.changeRole('phil', 'user');
    assert.equal(await auth.allowed(phil, ['mine'], 'write'), true);
    assert.equal(c.reads(), 4);
  });
});

test('a change made elsewhere applies once the node forgets what it remembered', async () => {
  await withAuth(async ({ auth, other }) => {
    assert.equal(await auth.allowed(ANONYMOUS, ['news'], 'read'), false);
    await other.grant('*', 'news', 'read-write');
    // Until the bus or the change-counter poll tells this node, it answers from memory...
    assert.equal(await auth.allowed(ANONYMOUS, ['news'], 'read'), false);
    // ...and what it does then (AccessChanges.recheck) makes the next request read the store.
    auth.forgetVerified();
    assert.equal(await auth.allowed(ANONYMOUS, ['news'], 'read'), true);
  });
});

test('a failed read is not remembered', async () => {
  await withAuth(async ({ auth, counted: c }) => {
    await auth.grant('*', 'news', 'read-write');
    c.failNext();
    await assert.rejects(auth.allowed(ANONYMOUS, ['news'], 'read'), /database unreachable/);
    assert.equal(await auth.allowed(ANONYMOUS, ['news'], 'read'), true);
    assert.equal(c.reads(), 2);
  });
});
