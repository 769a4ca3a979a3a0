import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../../src/config/index.js';
import { openAuth } from '../../src/main.js';
import { browserSkip, collectPageErrors, launchBrowser, newContext, screenshot, seriousA11yViolations } from '../helpers/browser.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { eventually, startPushRig, type PushRig } from '../helpers/push-rig.js';
import { randomTopic } from '../helpers/server.js';

// Issue 16: the console's Overview screen charts GET /v1/stats/series. The server runs on a manual
// clock, so the test decides when a point is taken (each covers exactly 10 s).

const CHARTS = [
  'Publishes per second',
  'Pushes per second by provider and outcome',
  'Send latency (ms)',
  'Queue lag (seconds)',
  'Open subscribers',
  'Notify channel states per interval',
];

describe('admin console: overview', { skip: browserSkip() }, () => {
  const clock = new ManualClock(Date.now());
  let rig: PushRig;
  let statsKey: string;
  let browser: Browser;
  const topic = randomTopic('ov');

  before(async () => {
    rig = await startPushRig({ 'auth-file': 'auth.db', 'stats-series-interval': '10s', 'api-key-request-limit-burst': '100000' }, { clock });
    const { config } = loadConfig({ env: {}, flags: { 'auth-file': join(rig.server.dir, 'auth.db'), 'database-file': join(rig.server.dir, 'herald.db') } });
    const accounts = (await openAuth(config))!;
    await accounts.auth.addUser('boss', 'boss-pass', 'admin');
    await accounts.close();
    statsKey = (await rig.key(['stats:read'])).replace(/^Bearer /, '');
    const res = await rig.call('POST', '/v1/devices', { provider: 'fcm', token: `fcm-${randomBytes(16).toString('base64url')}`, topics: [topic] });
    assert.equal(res.status, 201, JSON.stringify(res.json));
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await rig?.close();
  });

  let sent = 0;
  /** Publishes `n` messages (each pushed to the topic's FCM device), waits for the sends, and moves the clock one interval. */
  async function traffic(n: number): Promise<void> {
    const points = async () => ((await rig.call('GET', '/v1/stats/series?window=1h')).json.points as unknown[]).length;
    const before = await points();
    for (let i = 0; i < n; i++) await fetch(`${rig.server.url}/${topic}`, { method: 'POST', body: `message ${i}` });
    sent += n;
    await eventually('the pushes to be sent', async () => {
      const stats = (await rig.call('GET', '/v1/push/stats')).json as { by_provider: Record<string, Record<string, number>> };
      return stats.by_provider.fcm?.sent === sent;
    });
    clock.advance(10_000);
    await eventually('the next point', async () => (await points()) > before);
  }

  async function logIn(page: Page, as: { user: string; password: string } | { key: string }): Promise<void> {
    await page.goto('/admin');
    if ('key' in as) {
      await page.getByLabel('an API key').check();
      await page.getByLabel('API key', { exact: true }).fill(as.key);
    } else {
      await page.getByLabel('Username').fill(as.user);
      await page.getByLabel('Password').fill(as.password);
    }
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
  }

  /** Waits until every chart is drawn with at least `points` points. */
  async function chartsDrawn(page: Page, points: number): Promise<void> {
    for (const title of CHARTS) {
      const figure = page.locator('figure', { has: page.locator('figcaption', { hasText: title }) });
      await eventually(`the chart "${title}" with ${points} points`, async () => Number(await figure.getAttribute('data-points')) >= points);
      assert.equal(await figure.locator('canvas').count(), 1, `${title} is drawn on a canvas`);
      assert.match(await figure.getByRole('img').getAttribute('aria-label') ?? '', new RegExp(`^${title.replace(/[()]/g, '\\$&')}\\. Latest: `));
    }
  }

  test('an admin user sees the figures and charts of the traffic, updated as it goes on', async () => {
    await traffic(3);
    const context = await newContext(browser, rig.server.url);
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await logIn(page, { user: 'boss', password: 'boss-pass' });
    await chartsDrawn(page, 1);
    // 3 messages in 10 s, each pushed once to the FCM device.
    assert.equal(await page.locator('[data-figure="publishes"]').textContent(), '0.3 /s');
    assert.equal(await page.locator('[data-figure="pushes"]').textContent(), '0.3 /s');
    assert.match(await page.locator('[data-figure="latency"]').textContent() ?? '', /ms \/ .* ms \/ .* ms/);
    const pushes = page.locator('figure', { has: page.locator('figcaption', { hasText: 'Pushes per second' }) });
    assert.equal(await pushes.getAttribute('data-lines'), '1');
    assert.match(await pushes.getByRole('list').textContent() ?? '', /fcm sent: 0\.3/);
    await page.getByRole('table').getByRole('cell', { name: 'fcm' }).waitFor();

    // Live: more traffic, and the screen shows the new point on its next refresh.
    await traffic(5);
    await eventually('the publishes figure to show the new interval', async () => (await page.locator('[data-figure="publishes"]').textContent()) === '0.5 /s');
    await chartsDrawn(page, 2);

    assert.deepEqual(await seriousA11yViolations(page), []);
    assert.deepEqual(errors, []);
    await screenshot(page, 'admin-overview');
    await context.close();
  });

  test('an API key with only stats:read sees the overview and nothing else', async () => {
    const context = await newContext(browser, rig.server.url);
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await logIn(page, { key: statsKey });
    await chartsDrawn(page, 2);
    const nav = page.getByRole('navigation', { name: 'Console' });
    assert.deepEqual(await nav.getByRole('link').allTextContents(), ['Overview']);
    await nav.getByText(/^Key key:/).waitFor();
    assert.notEqual(await page.locator('[data-figure="publishes"]').textContent(), null);
    assert.deepEqual(await seriousA11yViolations(page), []);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a series that cannot be loaded is said in words', async () => {
    const context = await newContext(browser, rig.server.url);
    const page = await context.newPage();
    // Only the series fails: the server answers 503 in Herald's error shape.
    await page.route('**/v1/stats/series*', (route) => route.fulfill({
      status: 503, contentType: 'application/json', body: JSON.stringify({ code: 50301, http: 503, error: 'the database is out of reach' }),
    }));
    await logIn(page, { key: statsKey });
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.textContent() ?? '', /The statistics could not be loaded\. The server failed \(503\): the database is out of reach/);
    assert.deepEqual(await seriousA11yViolations(page), []);
    await context.close();
  });
});
