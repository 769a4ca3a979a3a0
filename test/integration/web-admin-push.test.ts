import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { browserSkip, collectPageErrors, launchBrowser, newContext, screenshot, seriousA11yViolations } from '../helpers/browser.js';
import { eventually, startPushRig, type PushRig } from '../helpers/push-rig.js';

/**
 * The Push screens of the admin console in Chromium, against a real server whose APNs, FCM, HMS
 * and Web Push apps point at the provider mocks: devices, sending with the preview, watching a
 * push's deliveries end, cancelling a scheduled push, and replaying a dead letter.
 */

const hex = () => randomBytes(32).toString('hex');
const WAIT = { timeout: 20_000 };

describe('admin console: Push screens', { skip: browserSkip() }, () => {
  let rig: PushRig;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  const devices: Record<string, { id: string; token: string }> = {};

  async function register(name: string, body: Record<string, unknown>): Promise<void> {
    const res = await rig.call('POST', '/v1/devices', body);
    assert.equal(res.status, 201, JSON.stringify(res.json));
    devices[name] = { id: res.json.id, token: String(res.json.token) };
  }

  /** The JSON a preview shows under this caption. */
  const code = (name: string) => page.getByRole('figure', { name, exact: true }).locator('pre');

  async function noA11yViolations(screen: string): Promise<void> {
    assert.deepEqual(await seriousA11yViolations(page), [], `${screen}: serious or critical axe violations`);
  }

  async function openSection(label: string, heading: string): Promise<void> {
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: label }).click();
    await page.getByRole('heading', { level: 1, name: heading }).waitFor(WAIT);
  }

  before(async () => {
    // Two attempts, quick backoff: a delivery the APNs mock keeps failing is dead within a second.
    rig = await startPushRig({ 'push-max-attempts': '2' });
    await register('aliceIphone', { provider: 'apns', token: hex(), user: 'alice', topics: ['news'] });
    await register('aliceIpad', { provider: 'apns', token: hex(), user: 'alice', topics: ['news', 'sports'] });
    await register('alicePixel', { provider: 'fcm', token: `fcm-${hex()}`, user: 'alice', topics: ['sports'] });
    await register('bobIphone', { provider: 'apns', token: hex(), user: 'bob', topics: ['news'] });
    await register('doomed', { provider: 'apns', token: hex(), user: 'carol' });
    browser = await launchBrowser();
    context = await newContext(browser, rig.server.url);
    page = await context.newPage();
    errors = collectPageErrors(page);
    await page.goto('/admin/devices');
    await page.getByLabel('an API key', { exact: true }).check();
    await page.getByLabel('API key', { exact: true }).fill(rig.admin.replace(/^Bearer /, ''));
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Devices' }).waitFor(WAIT);
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await rig?.close();
  });

  test('devices: filter by user and provider, open one, remove it', async () => {
    const table = page.getByRole('table');
    await table.getByRole('link', { name: devices.bobIphone!.id }).waitFor(WAIT);
    await noA11yViolations('devices');

    await page.getByLabel('User', { exact: true }).fill('alice');
    await page.getByLabel('Provider', { exact: true }).selectOption('apns');
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    await page.getByText('2 devices').waitFor(WAIT);
    const shown = await table.locator('tbody tr').allInnerTexts();
    assert.equal(shown.length, 2, shown.join('\n'));
    for (const name of ['aliceIphone', 'aliceIpad']) assert.ok(shown.some((row) => row.includes(devices[name]!.id)), name);

    await page.getByLabel('Topic', { exact: true }).fill('sports');
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    await page.getByText('1 device', { exact: true }).waitFor(WAIT);
    assert.match(await table.locator('tbody').innerText(), new RegExp(devices.aliceIpad!.id));

    await table.getByRole('link', { name: devices.aliceIpad!.id }).click();
    await page.getByRole('heading', { level: 1, name: `Device ${devices.aliceIpad!.id}` }).waitFor(WAIT);
    await page.getByText('news, sports').waitFor(WAIT);
    await noA11yViolations('device detail');

    await page.getByRole('button', { name: 'Remove device' }).click();
    await page.getByRole('button', { name: 'Remove', exact: true }).click();
    await page.getByRole('status').filter({ hasText: `Device ${devices.aliceIpad!.id} was removed.` }).waitFor(WAIT);
    assert.equal((await rig.call('GET', `/v1/devices/${devices.aliceIpad!.id}`)).status, 404);
    assert.deepEqual(errors, []);
  });

  test('pushes: send from the form with the per-provider preview, and watch the deliveries reach sent', async () => {
    await openSection('Pushes', 'Pushes');
    await noA11yViolations('pushes');
    await page.getByRole('button', { name: 'New push' }).click();
    await page.getByRole('heading', { level: 1, name: 'New push' }).waitFor(WAIT);

    await page.getByLabel('Devices', { exact: true }).fill(`${devices.aliceIphone!.id}, ${devices.alicePixel!.id}`);
    await page.getByLabel('Title', { exact: true }).fill('Your order shipped');
    await page.getByLabel('Body', { exact: true }).fill('It arrives on Thursday');
    await page.getByLabel('Data', { exact: true }).fill('order=42');
    await page.getByLabel('Priority', { exact: true }).selectOption('high');
    await page.getByLabel('FCM override', { exact: true }).fill('{"message": {"android": {"notification": {"color": "#ff0000"}}}}');

    // The preview is Herald's own encoders' output, one section per provider.
    const apnsBody = code('APNs body');
    await apnsBody.filter({ hasText: 'It arrives on Thursday' }).waitFor(WAIT);
    const apns = JSON.parse(await apnsBody.innerText());
    assert.deepEqual(apns, { aps: { alert: { title: 'Your order shipped', body: 'It arrives on Thursday' } }, order: '42' });
    assert.equal(JSON.parse(await code('APNs headers').innerText())['apns-priority'], '10');
    const fcm = JSON.parse(await code('FCM body').innerText());
    assert.equal(fcm.message.token, '<device token>');
    assert.deepEqual(fcm.message.android, { priority: 'HIGH', notification: { color: '#ff0000' } });
    const hms = JSON.parse(await code('HMS body').innerText());
    assert.equal(hms.message.android.notification.title, 'Your order shipped');
    const web = JSON.parse(await code('Web Push body').innerText());
    assert.deepEqual({ title: web.title, body: web.body, data: web.data }, { title: 'Your order shipped', body: 'It arrives on Thursday', data: { order: '42' } });
    await noA11yViolations('send form');
    await page.getByRole('heading', { level: 1, name: 'New push' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'admin-push-send');

    // A mistake in an override is said at the field, and nothing is sent.
    await page.getByLabel('APNs override', { exact: true }).fill('{"payload": ');
    await page.getByRole('alert').filter({ hasText: 'Not valid JSON' }).waitFor(WAIT);
    await page.getByLabel('APNs override', { exact: true }).fill('');

    const apnsBefore = rig.apns.requests.length;
    await page.getByRole('button', { name: 'Send push' }).click();
    await page.getByRole('heading', { level: 1, name: /^Push psh_/ }).waitFor(WAIT);
    await page.getByText('Every delivery is final.').waitFor(WAIT);
    const rows = page.locator('table.push-deliveries tbody tr');
    assert.equal(await rows.count(), 2);
    for (const row of await rows.allInnerTexts()) assert.match(row, /\bsent\b/, row);
    assert.match(await rows.allInnerTexts().then((r) => r.join('\n')), /APNs[\s\S]*FCM|FCM[\s\S]*APNs/);
    assert.equal(rig.apns.requests.length, apnsBefore + 1, 'APNs got the push');
    assert.ok(rig.fcm.requests.some((r) => r.message?.token === devices.alicePixel!.token), 'FCM got the push');
    await noA11yViolations('push detail');
    await screenshot(page, 'admin-push-detail');

    const id = (await page.getByRole('heading', { level: 1 }).innerText()).replace(/^Push /, '');
    await page.getByRole('link', { name: '← All pushes' }).click();
    await page.getByRole('table').getByRole('link', { name: id }).waitFor(WAIT);
    assert.deepEqual(errors, []);
  });

  test('pushes: a scheduled push is cancelled from its page', async () => {
    await page.getByRole('button', { name: 'New push' }).click();
    await page.getByLabel('Users', { exact: true }).fill('bob');
    await page.getByLabel('Title', { exact: true }).fill('Tomorrow');
    const at = new Date(Date.now() + 3_600_000);
    const local = (n: number) => String(n).padStart(2, '0');
    await page.getByLabel('Send at', { exact: true }).fill(`${at.getFullYear()}-${local(at.getMonth() + 1)}-${local(at.getDate())}T${local(at.getHours())}:${local(at.getMinutes())}:00`);
    await code('APNs body').filter({ hasText: 'Tomorrow' }).waitFor(WAIT);
    await page.getByRole('button', { name: 'Send push' }).click();
    await page.getByRole('heading', { level: 1, name: /^Push psh_/ }).waitFor(WAIT);
    await page.getByText('scheduled', { exact: true }).first().waitFor(WAIT);
    await page.getByText('Scheduled for').waitFor(WAIT);

    await page.getByRole('button', { name: 'Cancel push' }).click();
    await page.getByRole('button', { name: 'Cancel deliveries' }).click();
    await page.getByRole('status').filter({ hasText: /^Cancelled \d+ deliver/ }).waitFor(WAIT);
    await page.getByText('Every delivery is final.').waitFor(WAIT);
    const id = (await page.getByRole('heading', { level: 1 }).innerText()).replace(/^Push /, '');
    assert.equal((await rig.call('GET', `/v1/push/${id}`)).json.state, 'cancelled');
    await noA11yViolations('cancelled push');
    assert.deepEqual(errors, []);
  });

  test('dead letters: a delivery the provider kept failing is listed with its error and replayed', async () => {
    const doomed = devices.doomed!;
    rig.apns.answer(doomed.token, { status: 500, reason: 'InternalServerError' }, { status: 503, reason: 'ServiceUnavailable' });
    const sent = await rig.call('POST', '/v1/push', { to: { devices: [doomed.id] }, notification: { title: 'doomed' } });
    assert.equal(sent.status, 202);
    const pushId = sent.json.id as string;
    await eventually('dead-lettered', async () => (await rig.call('GET', `/v1/push/${pushId}`)).json.counts.dead === 1);

    await openSection('Dead letters', 'Dead letters');
    await page.getByLabel('Provider', { exact: true }).selectOption('apns');
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    const row = page.getByRole('row').filter({ hasText: pushId });
    await row.waitFor(WAIT);
    assert.match(await row.innerText(), /503 ServiceUnavailable/);
    await noA11yViolations('dead letters');
    await screenshot(page, 'admin-push-dlq');

    await row.getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Replay selected (1)' }).click();
    await page.getByRole('status').filter({ hasText: 'Replayed 1 delivery.' }).waitFor(WAIT);
    await row.waitFor({ state: 'detached', ...WAIT });
    await eventually('replayed and sent', async () => (await rig.call('GET', `/v1/push/${pushId}`)).json.counts.sent === 1);

    // Its push page shows the delivery sent after the replay.
    await page.goto(`/admin/pushes/${pushId}`);
    await page.getByText('Every delivery is final.').waitFor(WAIT);
    assert.match(await page.locator('table.push-deliveries tbody').innerText(), /\bsent\b/);
    assert.deepEqual(errors, []);
  });
});
