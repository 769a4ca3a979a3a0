import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createECDH, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { loadConfig } from '../../src/config/index.js';
import { generateVapidKeys, openAuth } from '../../src/main.js';
import { browserSkip, collectPageErrors, launchBrowser, newContext, screenshot, seriousA11yViolations } from '../helpers/browser.js';
import { randomTopic, startTestServer, type TestServer } from '../helpers/server.js';
import { eventually } from '../helpers/wait.js';

/**
 * The account side of the topics app in a real browser: sign-up and login, a protected topic
 * behind the login prompt, the subscription list synced between two browsers through the
 * account and its sync topic, tokens, the password, reservations, deleting the account, and
 * background Web Push (headless Chromium has no push service: PushManager is stubbed, and what
 * Herald stored is read back through the devices API).
 */

let server: TestServer;
const ADMIN = `Basic ${Buffer.from('boss:boss-pass').toString('base64')}`;
const PUSH_HOST = 'push.example.net';
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

type Json = any;

async function api(method: string, path: string, auth?: string, body?: unknown): Promise<{ status: number; json: Json }> {
  const headers: Record<string, string> = {};
  if (auth) headers.authorization = auth;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${server.url}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  let json: Json;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

/** A value the app keeps in the page's localStorage. */
function stored(page: Page, key: string): Promise<string | null> {
  return page.evaluate((k) => (globalThis as Json).localStorage.getItem(k) as string | null, key);
}

/** A user made by the admin (so sign-up's per-address limit is kept for the sign-up test). */
async function addUser(name: string, password: string, tier?: string): Promise<void> {
  const res = await api('POST', '/v1/users', ADMIN, { username: name, password, ...(tier ? { tier } : {}) });
  assert.equal(res.status, 200, JSON.stringify(res.json));
}

async function grant(name: string, topic: string, permission = 'read-write'): Promise<void> {
  const res = await api('PUT', '/v1/users/access', ADMIN, { username: name, topic, permission });
  assert.equal(res.status, 200, JSON.stringify(res.json));
}

before(async () => {
  const vapid = generateVapidKeys();
  server = await startTestServer({
    'auth-file': 'auth.db',
    'auth-default-access': 'deny-all',
    'enable-login': 'true',
    'enable-signup': 'true',
    'enable-reservations': 'true',
    'web-push-public-key': vapid.publicKey,
    'web-push-private-key': vapid.privateKey,
    'web-push-email-address': 'ops@example.com',
    'web-push-endpoint-allowlist': PUSH_HOST,
  });
  const { config } = loadConfig({ env: {}, flags: { 'auth-file': join(server.dir, 'auth.db'), 'database-file': join(server.dir, 'herald.db') } });
  const accounts = (await openAuth(config))!;
  await accounts.auth.addUser('boss', 'boss-pass', 'admin');
  await accounts.tiers.add({
    code: 'pro', name: 'Pro', messagesLimit: 1000, messagesExpiryDuration: 86_400, emailsLimit: 10, callsLimit: 0, reservationsLimit: 2,
    attachmentFileSizeLimit: 1_000_000, attachmentTotalSizeLimit: 10_000_000, attachmentExpiryDuration: 3600, attachmentBandwidthLimit: 100_000_000,
  });
  await accounts.close();
});
after(() => server.close());

describe('topics app: account, login and sync in a browser', { skip: browserSkip() }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(() => browser?.close());

  /** A page with its errors collected; the test asserts none. */
  async function openPage(context?: BrowserContext): Promise<{ page: Page; errors: string[]; context: BrowserContext }> {
    const ctx = context ?? await newContext(browser, server.url);
    const page = await ctx.newPage();
    return { page, errors: collectPageErrors(page), context: ctx };
  }

  async function logIn(page: Page, name: string, password: string, path = '/login'): Promise<void> {
    await page.goto(path);
    await page.getByLabel('User name').fill(name);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('navigation', { name: 'Account' }).getByText(name).waitFor();
  }

  test('sign up, log out, a wrong password is said in words, log in again', async () => {
    const { page, errors, context } = await openPage();
    await page.goto('/');
    const nav = page.getByRole('navigation', { name: 'Account' });
    await nav.getByRole('link', { name: 'Sign up' }).click();
    await page.getByRole('heading', { name: 'Sign up' }).waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    await page.getByLabel('User name').fill('newbie');
    await page.getByLabel('Password', { exact: true }).fill('first-pass');
    await page.getByLabel('Confirm password').fill('first-pass');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await nav.getByText('newbie').waitFor();
    assert.equal(new URL(page.url()).pathname, '/');
    const session = JSON.parse((await stored(page, 'herald.session'))!) as { username: string; token: string };
    assert.equal(session.username, 'newbie');
    assert.match(session.token, /^tk_/);
    assert.equal((await api('GET', '/v1/account', `Bearer ${session.token}`)).json.username, 'newbie');

    await nav.getByRole('button', { name: 'Log out' }).click();
    await nav.getByRole('link', { name: 'Log in' }).waitFor();
    assert.equal(await stored(page, 'herald.session'), null);
    // Logging out deleted the token on the server.
    assert.equal((await api('GET', '/v1/account', `Bearer ${session.token}`)).status, 401);

    await page.goto('/login');
    assert.deepEqual(await seriousA11yViolations(page), []);
    await page.getByLabel('User name').fill('newbie');
    await page.getByLabel('Password', { exact: true }).fill('wrong');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').getByText('Wrong user name or password.').waitFor();
    await logIn(page, 'newbie', 'first-pass');
    // The browser logs a 401 for the wrong password's request; the app itself reported it in words.
    assert.deepEqual(errors.filter((e) => !/status of 401/.test(e)), []);
    await context.close();
  });

  test('a protected topic shows the login prompt until logged in, then receives; a topic not granted says not allowed', async () => {
    await addUser('bob', 'bob-pass');
    const topic = randomTopic('secret');
    const other = randomTopic('closed');
    await grant('bob', topic);
    const { page, errors, context } = await openPage();
    await page.goto(`/${topic}`);
    const prompt = page.getByRole('alert').filter({ hasText: 'not open to visitors' });
    await prompt.waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    await prompt.getByRole('link', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    assert.equal(new URL(page.url()).searchParams.get('next'), `/${topic}`);
    await page.getByLabel('User name').fill('bob');
    await page.getByLabel('Password', { exact: true }).fill('bob-pass');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((url) => url.pathname === `/${topic}`);
    await eventually('the login prompt is gone', async () => (await prompt.count()) === 0);

    // A new subscription replays what the server still has (since=all), so no wait for the stream.
    await fetch(`${server.url}/${topic}`, { method: 'POST', body: 'Top secret report', headers: { authorization: basic('bob', 'bob-pass'), title: 'Vault' } });
    await page.getByText('Top secret report').first().waitFor();

    await page.goto(`/${other}`);
    await page.getByRole('alert').filter({ hasText: 'not allowed' }).waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    // The browser logs the refused stream requests (401, 403); the app showed each in words.
    assert.deepEqual(errors.filter((e) => !/status of 40[13]/.test(e)), []);
    await context.close();
  });

  test('a subscription added in one browser appears in another live, and a removal follows', async () => {
    await addUser('carol', 'carol-pass');
    const topic = randomTopic('shared');
    await grant('carol', topic);
    const a = await openPage();
    const b = await openPage();
    await logIn(a.page, 'carol', 'carol-pass');
    await logIn(b.page, 'carol', 'carol-pass');
    const listB = b.page.getByRole('navigation', { name: 'Subscriptions' });
    await b.page.goto('/');
    await listB.waitFor();

    await a.page.goto(`/${topic}`);
    await eventually('the account has the subscription', async () =>
      ((await api('GET', '/v1/account', basic('carol', 'carol-pass'))).json.subscriptions ?? []).some((s: Json) => s.topic === topic));
    await listB.getByText(topic).waitFor();

    a.page.once('dialog', (dialog) => void dialog.accept());
    await a.page.getByRole('button', { name: 'Unsubscribe', exact: true }).click();
    await eventually('the other browser dropped it', async () => (await listB.getByText(topic).count()) === 0);
    assert.equal(((await api('GET', '/v1/account', basic('carol', 'carol-pass'))).json.subscriptions ?? []).length, 0);
    assert.deepEqual(a.errors, []);
    assert.deepEqual(b.errors, []);
    await a.context.close();
    await b.context.close();
  });

  test('the account page: usage, tokens, password, reservations, and deleting the account', async () => {
    await addUser('dave', 'dave-pass', 'pro');
    const { page, errors, context } = await openPage();
    await logIn(page, 'dave', 'dave-pass');
    await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Account' }).click();
    await page.getByRole('heading', { name: 'Access tokens' }).waitFor();
    await page.getByText('Tier:').waitFor();
    await page.getByRole('row', { name: /Reserved topics/ }).waitFor();

    // Tokens: create one with a label and an expiry, use it, delete it.
    const tokens = page.getByRole('region', { name: 'Access tokens' });
    await tokens.getByLabel('Label').fill('backup script');
    await tokens.getByLabel('Expires after').selectOption({ label: '7 days' });
    await tokens.getByRole('button', { name: 'Create token' }).click();
    const created = await tokens.getByLabel('New token value').inputValue();
    assert.match(created, /^tk_/);
    await tokens.getByRole('cell', { name: 'backup script', exact: true }).waitFor();
    const me = await api('GET', '/v1/account', `Bearer ${created}`);
    assert.equal(me.json.username, 'dave');
    const listed = me.json.tokens.find((t: Json) => t.token === created);
    assert.equal(listed.label, 'backup script');
    assert.ok(listed.expires > Date.now() / 1000 + 6 * 86400 && listed.expires < Date.now() / 1000 + 8 * 86400);
    await tokens.getByRole('button', { name: 'Delete token backup script' }).click();
    await tokens.getByRole('status').getByText('Token backup script deleted.').waitFor();
    assert.equal((await api('GET', '/v1/account', `Bearer ${created}`)).status, 401);

    // Reservations: reserve with read access for everyone, see it, remove it.
    const reserved = randomTopic('mine');
    const reservations = page.getByRole('region', { name: 'Reserved topics' });
    await reservations.getByRole('textbox', { name: 'Topic' }).fill(reserved);
    await reservations.getByLabel('Access for others').selectOption('read-only');
    await reservations.getByRole('button', { name: 'Reserve' }).click();
    await reservations.getByRole('cell', { name: reserved, exact: true }).waitFor();
    assert.deepEqual((await api('GET', '/v1/account', basic('dave', 'dave-pass'))).json.reservations, [{ topic: reserved, everyone: 'read-only' }]);
    // Anyone may now read it, only dave may publish.
    assert.equal((await api('GET', `/${reserved}/json?poll=1`)).status, 200);
    assert.equal((await api('POST', `/${reserved}`)).status, 403);

    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'topics-account');

    await reservations.getByRole('button', { name: `Remove reservation of ${reserved}` }).click();
    await eventually('the reservation is gone', async () => (await reservations.getByRole('cell', { name: reserved, exact: true }).count()) === 0);
    assert.equal((await api('GET', '/v1/account', basic('dave', 'dave-pass'))).json.reservations, undefined);

    // Password: a wrong current password is said in words; the right one changes it.
    const password = page.getByRole('region', { name: 'Change password' });
    await password.getByLabel('Current password').fill('not-it');
    await password.getByLabel('New password', { exact: true }).fill('dave-new');
    await password.getByLabel('Confirm new password').fill('dave-new');
    await password.getByRole('button', { name: 'Change password' }).click();
    await password.getByRole('alert').waitFor();
    await password.getByLabel('Current password').fill('dave-pass');
    await password.getByRole('button', { name: 'Change password' }).click();
    await password.getByRole('status').getByText('Password changed.').waitFor();
    assert.equal((await api('GET', '/v1/account', basic('dave', 'dave-pass'))).status, 401);
    assert.equal((await api('GET', '/v1/account', basic('dave', 'dave-new'))).json.username, 'dave');

    // Deleting the account takes the password.
    const danger = page.getByRole('region', { name: 'Delete account' });
    await danger.getByRole('button', { name: 'Delete account…' }).click();
    await danger.getByLabel('Password, to confirm').fill('dave-new');
    await danger.getByRole('button', { name: 'Delete my account permanently' }).click();
    await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Log in' }).waitFor();
    assert.equal((await api('GET', '/v1/account', basic('dave', 'dave-new'))).status, 401);
    // The refused wrong-password call and the deleted account's last requests are logged by the browser.
    assert.deepEqual(errors.filter((e) => !/status of 40[01]/.test(e)), []);
    await context.close();
  });

  test('background push: the browser subscription and its topics are handed to Herald, updated, and removed on opt-out', async () => {
    await addUser('erin', 'erin-pass');
    const first = randomTopic('bg');
    const second = randomTopic('bg');
    await grant('erin', `${first.slice(0, 2)}*`);
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const keys = { p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') };
    const endpoint = `https://${PUSH_HOST}/wpush/${randomBytes(8).toString('hex')}`;
    const context = await newContext(browser, server.url);
    // Headless Chromium has no push service: the subscription is made up, with real-looking keys.
    await context.addInitScript(({ endpoint, keys }) => {
      const decode = (b64: string) => Uint8Array.from(atob(b64.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0)).buffer;
      let current: unknown = null;
      const subscription = {
        endpoint,
        expirationTime: null,
        getKey: (name: 'p256dh' | 'auth') => decode(keys[name]),
        unsubscribe: async () => { current = null; return true; },
        toJSON: () => ({ endpoint, keys }),
      };
      const manager = (globalThis as Json).PushManager.prototype;
      manager.subscribe = async function subscribe() { current = subscription; return subscription; };
      manager.getSubscription = async function getSubscription() { return current; };
    }, { endpoint, keys });
    const { page, errors } = await openPage(context);
    await logIn(page, 'erin', 'erin-pass');
    await page.goto(`/${first}`);
    await page.getByRole('button', { name: 'Settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    const toggle = dialog.getByRole('checkbox', { name: /Background notifications/ });
    await toggle.click();
    await dialog.getByRole('status').getByText('Background notifications are on').waitFor();

    const devices = async () => (await api('GET', '/v1/devices?provider=webpush', ADMIN)).json.devices.filter((d: Json) => d.token.endpoint === endpoint);
    await eventually('Herald stored the subscription with the topic', async () => {
      const [device] = await devices();
      return device !== undefined && device.topics.join() === first && device.token.keys.p256dh === keys.p256dh && device.token.keys.auth === keys.auth;
    });
    assert.deepEqual(await seriousA11yViolations(page), []);

    // A new subscription in the app is a new topic for the push subscription.
    await page.goto(`/${second}`);
    await eventually('the push subscription has both topics', async () => ((await devices())[0]?.topics ?? []).slice().sort().join() === [first, second].sort().join());

    await page.getByRole('button', { name: 'Settings' }).click();
    await toggle.click();
    await eventually('Herald forgot the subscription', async () => (await devices()).length === 0);
    assert.equal(await stored(page, 'herald.webpush'), null);
    assert.deepEqual(errors, []);
    await context.close();
  });
});

describe('topics app with require-login', { skip: browserSkip() }, () => {
  test('a visitor sees only the login screen', async () => {
    const closed = await startTestServer({ 'auth-file': 'auth.db', 'auth-default-access': 'deny-all', 'enable-login': 'true', 'require-login': 'true' });
    const browser = await launchBrowser();
    try {
      const context = await newContext(browser, closed.url);
      const page = await context.newPage();
      const errors = collectPageErrors(page);
      await page.goto('/sometopic');
      await page.getByRole('heading', { name: 'Log in' }).waitFor();
      assert.equal(await page.getByRole('navigation', { name: 'Subscriptions' }).count(), 0);
      assert.deepEqual(await seriousA11yViolations(page), []);
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await closed.close();
    }
  });
});
