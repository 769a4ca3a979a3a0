import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { herald } from '../helpers/cli.js';
import { killHeraldProcesses, restartablePort, spawnHerald, untilHealthy } from '../helpers/herald-process.js';
import { randomTopic, startTestServer } from '../helpers/server.js';
import { eventually } from '../helpers/wait.js';

after(killHeraldProcesses);

/** `herald serve ARGS` as a process; its log goes to stdout or stderr depending on the format, so both are kept together. */
function serve(args: string[], env: Record<string, string> = {}) {
  const p = spawnHerald(['serve', ...args], { env });
  return { process: p, output: () => p.stdout() + p.stderr() };
}

describe('herald serve with an ntfy server.yml', () => {
  test('starts on an existing ntfy config, applies its keys and warns about the ones it does not use', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-yml-'));
    const p = await restartablePort();
    writeFileSync(join(dir, 'server.yml'), [
      `base-url: "http://ntfy.example.com"`,
      `listen-http: "127.0.0.1:${p}"`,
      `cache-file: "${join(dir, 'cache.db')}"`,
      `database-file: "${join(dir, 'herald.db')}"`,
      `queue-file: "${join(dir, 'queue.db')}"`,
      `cache-duration: "24h"`,
      `attachment-cache-dir: "${join(dir, 'attachments')}"`,
      `keepalive-interval: "30s"`,
      `visitor-request-limit-burst: 100`,
      `behind-proxy: false`,
      `stripe-secret-key: "sk_test_x"`,
      `web-push-file: "/var/cache/ntfy/webpush.db"`,
      '',
    ].join('\n'));
    const { process: child, output } = serve(['--config', join(dir, 'server.yml'), '--log-format', 'text']);
    try {
      const url = `http://127.0.0.1:${p}`;
      await untilHealthy(url, child);
      const msg = (await (await fetch(`${url}/${randomTopic()}`, { method: 'PUT', body: 'x'.repeat(5000) })).json()) as { time: number; expires: number; attachment: { url: string } };
      assert.equal(msg.expires - msg.time, 24 * 3600, 'cache-duration from the file');
      assert.match(msg.attachment.url, /^http:\/\/ntfy\.example\.com\/file\//, 'base-url from the file');
      assert.match(output(), /stripe-secret-key/);
      assert.match(output(), /web-push-file/);
    } finally {
      await child.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('listen-unix from ntfy\'s file: socket only (listen-http "-"), octal mode as ntfy writes it, removed at SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-sock-'));
    const socket = join(dir, 'ntfy.sock');
    writeFileSync(join(dir, 'server.yml'), [
      `listen-http: "-"`,
      `listen-unix: ${socket}`,
      `listen-unix-mode: 0600`,
      `database-file: "${join(dir, 'herald.db')}"`,
      `cache-file: "${join(dir, 'cache.db')}"`,
      `queue-file: "${join(dir, 'queue.db')}"`,
      `attachment-cache-dir: ""`,
      `billing-contact: "billing@example.com"`,
      '',
    ].join('\n'));
    const { process: child, output } = serve(['--config', join(dir, 'server.yml'), '--log-format', 'text']);
    try {
      const health = () => new Promise<number>((resolve) => {
        const req = request({ socketPath: socket, path: '/v1/health', agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', () => resolve(0));
        req.end();
      });
      await eventually('the socket answers', async () => {
        if (child.child.exitCode !== null) throw new Error(`herald exited: ${output()}`);
        return (await health()) === 200;
      });
      assert.equal((statSync(socket).mode & 0o777).toString(8), '600', 'YAML 0600 is the octal mode');
      assert.match(output(), /'billing-contact' is an ntfy option Herald does not use \(ignored\): payments are out of scope/);
      child.child.kill('SIGTERM');
      assert.equal(await child.exited, 0);
      assert.equal(existsSync(socket), false, 'the socket is removed at shutdown');
    } finally {
      await child.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('environment beats the file and flags beat the environment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-env-'));
    const p1 = await restartablePort();
    writeFileSync(join(dir, 'server.yml'), `listen-http: "127.0.0.1:1"\ncache-file: "${join(dir, 'c.db')}"\ndatabase-file: "${join(dir, 'h.db')}"\nqueue-file: "${join(dir, 'q.db')}"\nattachment-cache-dir: ""\n`);
    const { process: child } = serve(['-c', join(dir, 'server.yml'), '--cache-duration=1h'], { HERALD_LISTEN_HTTP: `127.0.0.1:${p1}`, HERALD_CACHE_DURATION: '2h' });
    try {
      await untilHealthy(`http://127.0.0.1:${p1}`, child);
      const msg = (await (await fetch(`http://127.0.0.1:${p1}/${randomTopic()}`, { method: 'POST', body: 'x' })).json()) as { time: number; expires: number };
      assert.equal(msg.expires - msg.time, 3600);
    } finally {
      await child.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('every invalid setting is reported at once and the exit code is 2', async () => {
    const run = await herald(['serve', '--database-file', ':memory:', '--cache-duration', '12 parsecs', '--visitor-request-limit-burst', '-3', '--log-level', 'loud']);
    assert.equal(run.code, 2);
    for (const key of ['cache-duration', 'visitor-request-limit-burst', 'log-level']) assert.match(run.stderr, new RegExp(key));
  });

  test('serve --help lists the configuration keys', async () => {
    const run = await herald(['serve', '--help']);
    assert.equal(run.code, 0);
    for (const key of ['--listen-http', '--cache-file', '--attachment-cache-dir', '--keepalive-interval']) assert.ok(run.stdout.includes(key), key);
  });
});

describe('web page and UnifiedPush discovery', () => {
  test('GET / and GET /<topic> serve the page; /<host.tld>/<topic> too; web-root disable turns it off', async () => {
    const server = await startTestServer();
    const off = await startTestServer({ 'web-root': 'disable' });
    try {
      for (const path of ['/', `/${randomTopic()}`, `/ntfy.sh/${randomTopic()}`]) {
        const res = await fetch(`${server.url}${path}`);
        assert.equal(res.status, 200, path);
        assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
        assert.match(await res.text(), /<title>Herald<\/title>/);
      }
      assert.equal((await fetch(`${server.url}/nodots/${randomTopic()}`)).status, 404);
      assert.equal((await fetch(`${off.url}/`)).status, 404);
      assert.equal((await fetch(`${off.url}/${randomTopic()}?up=1`)).status, 404);
    } finally {
      await server.close();
      await off.close();
    }
  });

  test('errors carry the CORS header too', async () => {
    const server = await startTestServer();
    try {
      const res = await fetch(`${server.url}/${randomTopic()}`, { method: 'POST', headers: { Priority: 'bogus' } });
      assert.equal(res.status, 400);
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
    } finally {
      await server.close();
    }
  });
});
