import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateVapidKeys } from '../../src/main.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** `GET /config.js` (what ntfy's web app reads first) and `web-root`. */
async function withServer(flags: Record<string, string>, run: (server: TestServer) => Promise<void>): Promise<void> {
  const server = await startTestServer(flags);
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

/** The object in `var config = {...};`, after checking the script around it is ntfy's. */
function configOf(text: string): Record<string, unknown> {
  const match = /^\/\/ Generated server configuration\nvar config = (\{[\s\S]*\});\n$/.exec(text);
  assert.ok(match, `ntfy's script shape: ${text}`);
  return JSON.parse(match[1]!) as Record<string, unknown>;
}

const FIELDS = [
  'base_url', 'app_root', 'enable_login', 'require_login', 'enable_signup', 'enable_payments', 'enable_calls', 'enable_emails',
  'enable_reservations', 'enable_web_push', 'billing_contact', 'web_push_public_key', 'disallowed_topics',
];

describe('GET /config.js', () => {
  test('defaults: ntfy\'s fields in ntfy\'s order, every feature off', async () => {
    await withServer({}, async (server) => {
      const res = await fetch(`${server.url}/config.js`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/javascript/);
      assert.equal(res.headers.get('cache-control'), 'no-cache');
      const config = configOf(await res.text());
      assert.deepEqual(Object.keys(config), FIELDS);
      assert.deepEqual(config, {
        base_url: '', app_root: '/', enable_login: false, require_login: false, enable_signup: false, enable_payments: false,
        enable_calls: false, enable_emails: false, enable_reservations: false, enable_web_push: false, billing_contact: '',
        web_push_public_key: '', disallowed_topics: ['docs', 'static', 'file', 'app', 'metrics', 'account', 'settings', 'signup', 'login', 'v1', 'admin'],
      });
    });
  });

  test('reflects login, sign-up, reservations, e-mail, calls, Web Push and extra reserved topics', async () => {
    const vapid = generateVapidKeys();
    await withServer({
      'auth-file': 'auth.db', 'enable-login': 'true', 'require-login': 'true', 'enable-signup': 'true', 'enable-reservations': 'true',
      'smtp-sender-addr': '127.0.0.1:9', 'smtp-sender-from': 'herald@example.com',
      'twilio-account': 'AC00000000000000000000000000000000', 'twilio-auth-token': 'secret', 'twilio-phone-number': '+14155550199',
      'twilio-base-url': 'http://127.0.0.1:9', 'twilio-verify-service': 'VA00000000000000000000000000000000', 'twilio-verify-base-url': 'http://127.0.0.1:9',
      'web-push-public-key': vapid.publicKey, 'web-push-private-key': vapid.privateKey, 'web-push-email-address': 'ops@example.com',
      'disallowed-topics': 'private,internal',
    }, async (server) => {
      const config = configOf(await (await fetch(`${server.url}/config.js`)).text());
      assert.deepEqual(Object.keys(config), FIELDS);
      assert.equal(config.enable_login, true);
      assert.equal(config.require_login, true);
      assert.equal(config.enable_signup, true);
      assert.equal(config.enable_reservations, true);
      assert.equal(config.enable_emails, true);
      assert.equal(config.enable_calls, true);
      assert.equal(config.enable_web_push, true);
      assert.equal(config.web_push_public_key, vapid.publicKey);
      assert.equal(config.enable_payments, false);
      assert.deepEqual((config.disallowed_topics as string[]).slice(-2), ['private', 'internal']);
    });
  });

  test('calls need the Verify service as well as the Twilio account', async () => {
    await withServer({
      'twilio-account': 'AC00000000000000000000000000000000', 'twilio-auth-token': 'secret', 'twilio-phone-number': '+14155550199', 'twilio-base-url': 'http://127.0.0.1:9',
    }, async (server) => {
      assert.equal(configOf(await (await fetch(`${server.url}/config.js`)).text()).enable_calls, false);
    });
  });
});

describe('web-root', () => {
  test('/app serves the web app there and says so in config.js; / is not served', async () => {
    await withServer({ 'web-root': '/app' }, async (server) => {
      const app = await fetch(`${server.url}/app`);
      assert.equal(app.status, 200);
      assert.match(app.headers.get('content-type') ?? '', /^text\/html/);
      assert.equal(configOf(await (await fetch(`${server.url}/config.js`)).text()).app_root, '/app');
      const root = await fetch(`${server.url}/`);
      assert.equal(root.status, 404);
      assert.equal((await root.json() as { code: number }).code, 40401);
      assert.equal((await fetch(`${server.url}/`, { method: 'HEAD' })).status, 200, 'HEAD / still answers probes');
      assert.equal((await fetch(`${server.url}/mytopic`)).status, 200, 'topic pages stay where they were');
    });
  });

  test("ntfy's older names: 'home' is /app, 'app' is /; a missing slash is added", async () => {
    for (const [webRoot, root] of [['home', '/app'], ['app', '/'], ['web', '/web']] as const) {
      await withServer({ 'web-root': webRoot }, async (server) => {
        assert.equal(configOf(await (await fetch(`${server.url}/config.js`)).text()).app_root, root, webRoot);
        assert.equal((await fetch(`${server.url}${root}`)).status, 200, webRoot);
      });
    }
  });

  test('disable turns the web app off: no page, no config.js, no topic pages', async () => {
    await withServer({ 'web-root': 'disable' }, async (server) => {
      for (const path of ['/', '/config.js', '/mytopic', '/app']) {
        const res = await fetch(`${server.url}${path}`);
        assert.equal(res.status, 404, path);
        await res.body?.cancel();
      }
      // Publishing and subscribing do not depend on it.
      assert.equal((await fetch(`${server.url}/mytopic`, { method: 'POST', body: 'hi' })).status, 200);
    });
  });
});
