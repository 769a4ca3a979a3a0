import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { browserSkip, collectPageErrors, launchBrowser, newContext, screenshot, seriousA11yViolations } from '../helpers/browser.js';
import { eventually, startPushRig, type PushRig } from '../helpers/push-rig.js';

/**
 * The admin console's Notify screens in Chromium against a real server: subscribers (search,
 * profile, preferences, inbox, export, erase), categories, the template editor with its live
 * preview and parse errors at their line, and a notification's status per recipient and channel.
 */

let rig: PushRig;
before(async () => (rig = await startPushRig()));
after(() => rig?.close());

const TEMPLATE = {
  category: 'orders',
  default_locale: 'en',
  channels: {
    push: { title: 'Order {{ order }} shipped', body: 'Hi {{ subscriber.name }}' },
    email: { subject: 'Your order {{ order }}', html: '<p>Hello {{ subscriber.name }}</p>' },
    inapp: { title: 'Order {{ order }}', body: 'Order {{ order }} is on its way' },
  },
};

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await rig.call(method, path, body);
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${JSON.stringify(res.json)}`);
  return res;
}

describe('admin console: Notify screens', { skip: browserSkip() }, () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];

  before(async () => {
    await api('PUT', '/v1/subscribers/ann-web', { name: 'Ann Example', email: 'ann@example.com', locale: 'en', timezone: 'Europe/Paris', data: { plan: 'pro' } });
    await api('PUT', '/v1/subscribers/bob-web', { name: 'Bob Other', locale: 'en' });
    await api('PUT', '/v1/categories/orders', { description: 'Order updates', channels: ['inapp'] });
    await api('PUT', '/v1/templates/order-shipped', TEMPLATE);
    // Something in Ann's inbox to see on her profile.
    const sent = await api('POST', '/v1/notify', { template: 'order-shipped', to: { subscribers: ['ann-web'] }, data: { order: '17' } });
    await eventually('the in-app item', async () => (await rig.call('GET', `/v1/notify/${sent.json.id}`)).json.state === 'done');

    browser = await launchBrowser();
    context = await newContext(browser, rig.server.url);
    page = await context.newPage();
    errors = collectPageErrors(page);
    await page.goto('/admin/subscribers');
    await page.getByLabel('an API key').check();
    await page.getByLabel('API key', { exact: true }).fill(rig.admin.replace(/^Bearer /, ''));
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Subscribers', level: 1 }).waitFor();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
  });

  test('search a subscriber, open the profile, edit preferences, see the inbox, export, then erase', async () => {
    assert.deepEqual(await seriousA11yViolations(page), []);
    await page.getByLabel('Search by id, e-mail, name or phone').fill('EXAMPLE');
    await page.getByRole('button', { name: 'Search' }).click();
    const found = page.getByRole('table', { name: 'Subscribers found' });
    await found.getByRole('link', { name: 'ann-web' }).waitFor();
    await eventually('the search to narrow the list', async () => (await found.getByRole('row').count()) === 2);
    await found.getByRole('link', { name: 'ann-web' }).click();

    await page.getByRole('heading', { name: 'Subscriber ann-web' }).waitFor();
    await page.getByText('ann@example.com').waitFor();
    await page.getByRole('table', { name: 'Inbox' }).getByText('Order 17 is on its way').waitFor();
    await page.getByText('1 unread.').waitFor();

    const prefs = page.getByRole('form', { name: 'Preferences' });
    await prefs.getByLabel('SMS').uncheck();
    await prefs.getByLabel('orders').uncheck();
    await prefs.getByLabel('From').fill('22:00');
    await prefs.getByLabel('Until').fill('07:00');
    await prefs.getByRole('button', { name: 'Add a cap' }).click();
    await prefs.getByLabel('At most').fill('5');
    await prefs.getByRole('button', { name: 'Save preferences' }).click();
    await prefs.getByText('Preferences saved.').waitFor();
    const held = (await api('GET', '/v1/subscribers/ann-web/preferences')).json;
    assert.equal(held.channels.sms, false);
    assert.equal(held.categories.orders.enabled, false);
    assert.deepEqual(held.quiet_hours, { start: '22:00', end: '07:00' });
    assert.deepEqual(held.frequency_caps, [{ max: 5, per: '1d' }]);
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'admin-subscriber-profile');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export everything held (JSON)' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'subscriber-ann-web.json');
    const exported = JSON.parse(await readFile((await download.path())!, 'utf8'));
    assert.equal(exported.subscriber.id, 'ann-web');
    assert.equal(exported.inbox.length, 1);
    await page.getByText('Export downloaded.').waitFor();

    await page.getByRole('button', { name: 'Erase subscriber…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Erase subscriber ann-web?' });
    await dialog.waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal((await rig.call('GET', '/v1/subscribers/ann-web')).status, 200, 'cancel erases nothing');

    await page.getByRole('button', { name: 'Erase subscriber…' }).click();
    await dialog.getByRole('button', { name: 'Erase' }).click();
    await page.getByText('Subscriber ann-web was erased.').waitFor();
    assert.equal((await rig.call('GET', '/v1/subscribers/ann-web')).status, 404);
    assert.equal((await rig.call('GET', '/v1/subscribers/ann-web/inbox')).status, 404);
    assert.deepEqual(errors, []);
  });

  test('create a category', async () => {
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Categories' }).click();
    await page.getByRole('heading', { name: 'Categories', level: 1 }).waitFor();
    const form = page.getByRole('form', { name: 'Create or replace a category' });
    await form.getByLabel('Name').fill('security');
    await form.getByLabel('Description').fill('Sign-in alerts');
    await form.getByLabel('E-mail').uncheck();
    await form.getByLabel('Critical (ignores quiet hours and caps)').check();
    await form.getByRole('button', { name: 'Save category' }).click();
    await page.getByText('Category security saved.').waitFor();
    await page.getByRole('table', { name: 'Categories' }).getByRole('cell', { name: 'Sign-in alerts' }).waitFor();
    const held = (await api('GET', '/v1/categories/security')).json;
    assert.deepEqual([held.description, held.critical, held.channels], ['Sign-in alerts', true, ['push', 'sms', 'inapp']]);

    await form.getByLabel('Name').fill('Bad Name');
    await form.getByRole('button', { name: 'Save category' }).click();
    assert.equal(await form.getByLabel('Name').evaluate((el) => (el as unknown as { validity: { valid: boolean } }).validity.valid), false, 'the form says what a name may be');
    assert.deepEqual(await seriousA11yViolations(page), []);
    assert.deepEqual(errors, []);
  });

  test('edit a template: the live preview follows, per channel and locale, and a syntax error is shown at its line', async () => {
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Templates' }).click();
    await page.getByRole('list', { name: 'Templates' }).getByRole('link', { name: 'order-shipped' }).click();
    await page.getByRole('heading', { name: 'Template order-shipped' }).waitFor();

    const push = page.getByRole('article', { name: 'Push preview' });
    const email = page.getByRole('article', { name: 'E-mail preview' });
    await push.getByText('Order 42 shipped').waitFor();
    await email.getByText('Subject: Your order 42').waitFor();

    await page.getByLabel('Push title', { exact: true }).fill('Parcel {{ order }} is on its way');
    await push.getByText('Parcel 42 is on its way').waitFor();
    await page.getByLabel('Sample data (JSON)').fill('{"order": "77"}');
    await push.getByText('Parcel 77 is on its way').waitFor();

    // A French override of one field; the others fall back to English.
    await page.getByLabel('Add a locale').fill('fr');
    await page.getByRole('button', { name: 'Add locale' }).click();
    assert.equal(await page.getByLabel('Locale shown').inputValue(), 'fr');
    await page.getByLabel('Push title', { exact: true }).fill('Colis {{ order }} expédié');
    await push.getByText('Colis 77 expédié').waitFor();
    await page.getByText('Rendered in locale fr.').waitFor();
    await email.getByText('Subject: Your order 77').waitFor();
    await page.getByLabel('Locale shown').selectOption('en');
    await push.getByText('Parcel 77 is on its way').waitFor();

    // A tag never closed on line 3 of the e-mail's HTML.
    const html = page.getByLabel('E-mail html', { exact: true });
    await html.fill('<p>\n  Hello {{ subscriber.name }}\n  {% if order %} never closed\n</p>');
    const fieldError = page.locator('.source-error');
    await fieldError.waitFor();
    assert.match(await fieldError.innerText(), /^Line 3\b/);
    assert.equal(await html.getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('.source-gutter span.bad').innerText(), '3');
    await page.getByRole('alert', { name: 'Problems' }).getByText(/E-mail html \(en\) line 3.* does not parse/).waitFor();
    await email.getByText('Not rendered: see the problems above.').waitFor();
    await push.getByText('Parcel 77 is on its way').waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'admin-template-editor');

    await page.getByRole('button', { name: 'Save template' }).click();
    await page.getByRole('alert').filter({ hasText: /^Not saved: E-mail html \(en\) line 3/ }).waitFor();
    assert.equal((await api('GET', '/v1/templates/order-shipped')).json.channels.push.title, TEMPLATE.channels.push.title, 'a template that does not parse is not stored');

    await html.fill('<p>\n  Hello {{ subscriber.name }}\n  {% if order %}order {{ order }}{% endif %}\n</p>');
    await fieldError.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Save template' }).click();
    await page.getByText('Template order-shipped saved.').waitFor();
    const held = (await api('GET', '/v1/templates/order-shipped')).json;
    assert.equal(held.channels.push.title, 'Parcel {{ order }} is on its way');
    assert.deepEqual(held.locales, { fr: { push: { title: 'Colis {{ order }} expédié' } } });
    assert.deepEqual(errors, []);
  });

  test("a notification's status per recipient and channel", async () => {
    await api('PUT', '/v1/categories/mixed', { channels: ['inapp', 'sms'] });
    await api('PUT', '/v1/templates/mixed-t', { category: 'mixed', channels: { inapp: { body: 'Order {{ order }}' }, sms: { text: 'Order {{ order }}' } } });
    const sent = await api('POST', '/v1/notify', { template: 'mixed-t', to: { subscribers: ['bob-web', 'nobody-web'] }, data: { order: '9' } });
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Notifications' }).click();
    await page.getByRole('heading', { name: 'Notifications', level: 1 }).waitFor();
    await page.getByRole('table', { name: 'Notifications' }).getByRole('link', { name: sent.json.id }).click();
    await page.getByRole('heading', { name: `Notification ${sent.json.id}` }).waitFor();
    const deliveries = page.getByRole('table', { name: 'Deliveries' });
    const inapp = deliveries.getByRole('row').filter({ hasText: 'bob-web' }).filter({ hasText: 'In-app' });
    await inapp.getByText('sent', { exact: true }).first().waitFor();
    // No SMS provider in this server: the channel says so, with the reason, beside the in-app one.
    const sms = deliveries.getByRole('row').filter({ hasText: 'bob-web' }).filter({ hasText: 'SMS' });
    await sms.getByText('unavailable', { exact: true }).waitFor();
    await sms.getByText(/not configured/).waitFor();
    const held = (await api('GET', `/v1/notify/${sent.json.id}`)).json;
    // Every recipient and channel the API reports is on screen with its state.
    await eventually('every row on screen', async () => {
      for (const r of (await api('GET', `/v1/notify/${sent.json.id}`)).json.deliveries) {
        const row = deliveries.getByRole('row').filter({ hasText: r.subscriber });
        if ((await row.count()) === 0) return false;
      }
      return true;
    });
    assert.ok(held.deliveries.length >= 1);
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'admin-notification-status');
    assert.deepEqual(errors, []);
  });
});
