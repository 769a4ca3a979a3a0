import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { loadConfig } from '../../src/config/index.js';
import { openAuth, startServer } from '../../src/main.js';

test('passwords and tokens never appear in the logs, even at trace level', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-redact-'));
  let output = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      output += chunk.toString();
      done();
    },
  });
  const { config } = loadConfig({
    env: {},
    flags: { 'listen-http': '127.0.0.1:0', 'cache-file': join(dir, 'c.db'), 'database-file': join(dir, 'h.db'), 'queue-file': join(dir, 'q.db'), 'attachment-cache-dir': join(dir, 'a'), 'auth-file': join(dir, 'auth.db'), 'enable-signup': 'true', 'auth-default-access': 'deny-all' },
  });
  const accounts = (await openAuth(config))!;
  const adminPassword = 'Adm1n-S3cret-Pa55';
  await accounts.auth.addUser('root', adminPassword, 'admin');
  await accounts.close();
  const server = await startServer(config, { logger: pino({ level: 'trace' }, sink) });
  try {
    const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
    const userPassword = 'Us3r-Hunter2-Secret';
    const wrongPassword = 'Wr0ng-Guess-Secret';
    await fetch(`${server.url}/v1/account`, { method: 'POST', body: JSON.stringify({ username: 'mia', password: userPassword }) });
    await fetch(`${server.url}/v1/health`, { headers: { Authorization: basic('mia', wrongPassword) } });
    const tokenRes = await fetch(`${server.url}/v1/account/token`, { method: 'POST', headers: { Authorization: basic('mia', userPassword) }, body: '{}' });
    const { token } = (await tokenRes.json()) as { token: string };
    assert.match(token, /^tk_/);
    const authParam = Buffer.from(`Bearer ${token}`).toString('base64url');
    await fetch(`${server.url}/denied/json?poll=1&auth=${authParam}`);
    await fetch(`${server.url}/denied?auth=${authParam}`, { method: 'POST', body: 'x' });
    await fetch(`${server.url}/v1/account/password`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: JSON.stringify({ password: wrongPassword, new_password: 'N3w-Secret-Value' }) });
    await fetch(`${server.url}/v1/users`, { method: 'POST', headers: { Authorization: basic('root', adminPassword) }, body: JSON.stringify({ username: 'zed', password: 'Z3d-Secret-Pass' }) });
    await fetch(`${server.url}/v1/users`, { method: 'POST', headers: { Authorization: basic('root', wrongPassword) }, body: '{"username":' });
    await fetch(`${server.url}/v1/health`, { headers: { Authorization: `Bearer ${token.slice(0, -1)}x` } });
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(output.length > 0, 'the server logged something at trace level');
  for (const secret of ['Adm1n-S3cret-Pa55', 'Us3r-Hunter2-Secret', 'Wr0ng-Guess-Secret', 'N3w-Secret-Value', 'Z3d-Secret-Pass', 'tk_']) {
    assert.ok(!output.includes(secret), `log output contains ${secret}`);
  }
  for (const base64 of [Buffer.from('mia:Us3r-Hunter2-Secret').toString('base64'), Buffer.from('root:Adm1n-S3cret-Pa55').toString('base64')]) {
    assert.ok(!output.includes(base64), 'log output contains encoded credentials');
  }
});
