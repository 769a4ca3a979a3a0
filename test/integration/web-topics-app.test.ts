import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync, gzipSync } from 'node:zlib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { browserSkip, collectPageErrors, launchBrowser, newContext, screenshot, seriousA11yViolations } from '../helpers/browser.js';
import { randomTopic, startTestServer, type TestServer } from '../helpers/server.js';

// Page-side code (page.evaluate) runs in the browser, where these are globals.
declare const document: { documentElement: { lang: string }; querySelectorAll(s: string): { length: number } };
declare const localStorage: { getItem(k: string): string | null; setItem(k: string, v: string): void };
declare function getComputedStyle(el: unknown): { colorScheme: string };

/** A small real PNG (a 48×48 gradient), made here so the test needs no fixture file. */
function png(size = 48): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows: number[] = [];
  for (let y = 0; y < size; y++) {
    rows.push(0);
    for (let x = 0; x < size; x++) rows.push(40 + x * 4, 90 + y * 3, 200);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.from(rows))), chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** What the browser prints for a failed request it was asked to make is not a page error. */
function pageBugs(errors: string[]): string[] {
  return errors.filter((e) => !/Failed to load resource: the server responded with a status of (413|404)/.test(e));
}

async function publish(server: TestServer, topic: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}/${topic}`, { method: 'PUT', body, headers });
  assert.equal(res.status, 200, await res.clone().text());
  return await res.json() as { id: string };
}

async function subscribe(page: Page, topic: string): Promise<void> {
  await page.getByRole('button', { name: 'Subscribe to topic' }).click();
  const dialog = page.getByRole('dialog', { name: 'Subscribe to topic' });
  await dialog.getByLabel('Topic', { exact: true }).fill(topic);
  await dialog.getByRole('button', { name: 'Subscribe', exact: true }).click();
  await page.getByRole('heading', { level: 2, name: topic }).waitFor();
  await page.getByRole('status').filter({ hasText: 'Connected, receiving live' }).waitFor();
}

function card(page: Page, text: string) {
  return page.getByRole('list', { name: 'Notifications' }).locator(':scope > li').filter({ hasText: text });
}

test('the topics app loads at most 200 kB of gzipped JavaScript before its first screen', async () => {
  const server = await startTestServer();
  try {
    const html = await (await fetch(`${server.url}/`)).text();
    const scripts = [...html.matchAll(/<(?:script[^>]*src|link[^>]*rel="modulepreload"[^>]*href)="(\/static\/web\/assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
    assert.ok(scripts.length >= 1, html);
    let total = 0;
    for (const path of scripts) total += gzipSync(readFileSync(join(process.cwd(), 'dist', 'web', path.replace('/static/web/', '')))).length;
    assert.ok(total <= 200 * 1024, `initial JS ${total} bytes gzipped: ${scripts.join(' ')}`);
    // Markdown and the emoji table load only when a message needs them.
    assert.ok(!scripts.some((s) => /markdown|emoji/.test(s)), scripts.join(' '));
  } finally {
    await server.close();
  }
});

describe('topics web app in a browser', { skip: browserSkip() }, () => {
  let server: TestServer;
  let tiny: TestServer;
  let browser: Browser;
  before(async () => {
    // The tests publish from this address far faster than a visitor may: exempt it.
    server = await startTestServer({ 'visitor-request-limit-exempt-hosts': '127.0.0.1,::1' });
    tiny = await startTestServer({ 'attachment-file-size-limit': '1k' });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await tiny?.close();
  });

  async function open(target = server): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
    const context = await newContext(browser, target.url);
    const page = await context.newPage();
    page.on('dialog', (d) => void d.accept());
    const errors = collectPageErrors(page);
    await page.goto('/');
    await page.getByRole('navigation', { name: 'Subscriptions' }).waitFor();
    return { context, page, errors };
  }

  test('two topics received live, and every part of a message rendered', async () => {
    const { context, page, errors } = await open();
    const a = randomTopic('webA');
    const b = randomTopic('webB');
    const ack = randomTopic('ack');
    await subscribe(page, a);
    await subscribe(page, b);

    await publish(server, a, 'first on A');
    await publish(server, b, 'first on B');
    await card(page, 'first on B').waitFor();
    await page.getByRole('navigation', { name: 'Subscriptions' }).getByRole('link', { name: /All notifications/ }).click();
    await card(page, 'first on A').waitFor();
    await card(page, 'first on B').waitFor();

    const rich = await fetch(`${server.url}/`, {
      method: 'POST',
      body: JSON.stringify({
        topic: a, title: 'Backup failed', priority: 5, tags: ['warning', 'backup'], markdown: true,
        message: 'The **disk** is full. [evil](javascript:alert(1)) and [the docs](https://example.com/docs)',
        click: 'https://example.com/click',
        actions: [
          { action: 'view', label: 'Open site', url: 'https://example.com/view' },
          { action: 'http', label: 'Acknowledge', url: `${server.url}/${ack}`, method: 'POST', body: 'acknowledged' },
          { action: 'broadcast', label: 'Wake phone', extras: { cmd: 'wake' } },
        ],
      }),
    });
    assert.equal(rich.status, 200, await rich.clone().text());
    await publish(server, a, png(), { Filename: 'chart.png', Title: 'Chart' });

    const m = card(page, 'Backup failed');
    await m.waitFor();
    await m.getByText('Max priority').waitFor({ state: 'attached' });
    await m.getByRole('img', { name: 'warning' }).waitFor();
    assert.match(await m.getByRole('img', { name: 'warning' }).innerText(), /⚠/);
    await m.getByRole('list', { name: 'Tags' }).getByText('backup', { exact: true }).waitFor();
    await m.locator('.markdown strong', { hasText: 'disk' }).waitFor();
    assert.equal(await m.getByRole('link', { name: 'the docs' }).getAttribute('href'), 'https://example.com/docs');
    assert.equal(await m.getByRole('link', { name: 'evil' }).count(), 0, 'a javascript: link is not a link');
    assert.equal(await page.locator('a[href^="javascript"]').count(), 0);
    await m.getByText('javascript:alert(1)', { exact: false }).waitFor();
    assert.equal(await m.getByRole('link', { name: /Open link/ }).getAttribute('href'), 'https://example.com/click');
    assert.equal(await m.getByRole('link', { name: 'Open site' }).getAttribute('href'), 'https://example.com/view');
    const wake = m.getByRole('button', { name: 'Wake phone' });
    assert.equal(await wake.getAttribute('aria-disabled'), 'true');
    await m.getByText(/only work in the Android app/).waitFor();
    await m.getByRole('button', { name: 'Acknowledge' }).click();
    await m.getByRole('status').filter({ hasText: 'Acknowledge: sent (HTTP 200)' }).waitFor();
    const acked = await (await fetch(`${server.url}/${ack}/json?poll=1`)).text();
    assert.match(acked, /"message":"acknowledged"/);

    const chart = card(page, 'Chart');
    const image = chart.getByRole('img', { name: 'chart.png' });
    await image.waitFor();
    await page.waitForFunction((el) => (el as unknown as { complete: boolean; naturalWidth: number }).complete && (el as unknown as { naturalWidth: number }).naturalWidth === 48, await image.elementHandle());
    await chart.getByText(/\d[\d.,]* k?B · expires/).waitFor();

    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'topics-notifications');
    assert.deepEqual(pageBugs(errors), []);
    await context.close();
  });

  test('publishing from the dialog with an attachment: the progress bar completes and the message arrives', async () => {
    const { context, page, errors } = await open();
    const topic = randomTopic('pub');
    await subscribe(page, topic);
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Publish to topic' });
    assert.equal(await dialog.getByLabel('Topic', { exact: true }).inputValue(), topic);
    await dialog.getByLabel('Title').fill('Nightly report');
    await dialog.getByLabel('Message', { exact: true }).fill('Report attached');
    await dialog.getByLabel('Priority').selectOption('4');
    await dialog.getByLabel('Tags').fill('tada, reports');
    await dialog.getByLabel('Attachment').setInputFiles({ name: 'report.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(600_000, 7) });
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'topics-publish');
    await dialog.getByRole('button', { name: 'Publish', exact: true }).click();
    await dialog.getByRole('status').filter({ hasText: 'Published.' }).waitFor();
    const progress = dialog.getByRole('progressbar', { name: 'Upload progress' });
    assert.equal(await progress.evaluate((el) => (el as unknown as { value: number }).value), 1);
    await dialog.getByRole('button', { name: 'Close' }).first().click();
    const m = card(page, 'Nightly report');
    await m.waitFor();
    await m.getByText('Report attached').waitFor();
    await m.getByText('High priority').waitFor({ state: 'attached' });
    await m.getByRole('link', { name: 'Download report.bin' }).waitFor();
    await m.getByText(/600 kB/).waitFor();
    assert.deepEqual(pageBugs(errors), []);
    await context.close();
  });

  test('mark read, delete, search, minimum priority and clear all', async () => {
    const { context, page, errors } = await open();
    const topic = randomTopic('tools');
    await subscribe(page, topic);
    await publish(server, topic, 'alpha quiet', { Priority: '1' });
    await publish(server, topic, 'beta normal');
    await publish(server, topic, 'gamma loud', { Priority: '4' });
    await card(page, 'gamma loud').waitFor();
    const nav = page.getByRole('navigation', { name: 'Subscriptions' });
    await nav.getByRole('link', { name: new RegExp(`${topic}.*3 unread`) }).waitFor();

    await card(page, 'beta normal').getByRole('button', { name: 'Mark read' }).click();
    await nav.getByRole('link', { name: new RegExp(`${topic}.*2 unread`) }).waitFor();
    assert.equal(await card(page, 'beta normal').getByText('New', { exact: true }).count(), 0);

    await page.getByRole('searchbox', { name: 'Search notifications' }).fill('beta');
    await page.waitForFunction(() => document.querySelectorAll('ul.notifications > li').length === 1);
    await card(page, 'beta normal').waitFor();
    await page.getByRole('searchbox', { name: 'Search notifications' }).fill('');

    await card(page, 'gamma loud').getByRole('button', { name: 'Delete' }).click();
    await card(page, 'gamma loud').waitFor({ state: 'detached' });

    await page.getByRole('button', { name: 'Settings' }).click();
    const settingsDialog = page.getByRole('dialog', { name: 'Settings' });
    await settingsDialog.getByLabel('Minimum priority').selectOption('3');
    assert.deepEqual(await seriousA11yViolations(page), []);
    await settingsDialog.getByRole('button', { name: 'Close' }).first().click();
    await card(page, 'alpha quiet').waitFor({ state: 'detached' });
    await card(page, 'beta normal').waitFor();
    await page.getByText('1 below the minimum priority are hidden').waitFor();

    // ntfy 2.16 sequences: an update replaces its notification, a delete removes it.
    await publish(server, `${topic}/seq1`, 'version one');
    await card(page, 'version one').waitFor();
    await publish(server, `${topic}/seq1`, 'version two');
    await card(page, 'version two').waitFor();
    await card(page, 'version one').waitFor({ state: 'detached' });
    assert.equal((await fetch(`${server.url}/${topic}/seq1`, { method: 'DELETE' })).status, 200);
    await card(page, 'version two').waitFor({ state: 'detached' });

    await page.getByRole('button', { name: 'Clear all' }).click();
    await card(page, 'beta normal').waitFor({ state: 'detached' });
    await page.getByText('No notifications yet.').waitFor();
    // Deleted stays deleted: a new message arrives alone.
    await publish(server, topic, 'delta after clear');
    await card(page, 'delta after clear').waitFor();
    assert.equal(await page.locator('ul.notifications > li').count(), 1);
    assert.deepEqual(pageBugs(errors), []);
    await context.close();
  });

  test('a reload keeps subscriptions and messages and resumes where it stopped; expired attachments say so', async () => {
    const { context, page, errors } = await open();
    const a = randomTopic('keepA');
    const b = randomTopic('keepB');
    await subscribe(page, a);
    await subscribe(page, b);
    await publish(server, a, 'kept on A');
    await publish(server, b, 'kept on B');
    await card(page, 'kept on B').waitFor();
    // A cached notification whose attachment has expired (as a message from hours ago would be).
    await page.waitForFunction(() => Object.keys(localStorage).some((k) => k.startsWith('herald.notifications.') && localStorage.getItem(k)!.includes('kept on B')));
    await page.evaluate((topic) => {
      const key = Object.keys(localStorage).find((k) => k.startsWith('herald.notifications.') && localStorage.getItem(k)!.includes('kept on B'))!;
      const list = JSON.parse(localStorage.getItem(key)!) as { subscriptionId: string }[];
      const now = Math.floor(Date.now() / 1000);
      list.push({ id: 'oldmessage01', time: now - 7200, event: 'message', topic, message: 'old file', subscriptionId: list[0]!.subscriptionId, new: false, attachment: { name: 'old.log', size: 1200, expires: now - 3600, url: 'http://127.0.0.1:1/file/oldmessage01.log' } } as never);
      localStorage.setItem(key, JSON.stringify(list));
    }, b);

    await page.reload();
    await page.getByRole('navigation', { name: 'Subscriptions' }).getByRole('link', { name: new RegExp(a) }).waitFor();
    await page.getByRole('navigation', { name: 'Subscriptions' }).getByRole('link', { name: /All notifications/ }).click();
    await card(page, 'kept on A').waitFor();
    await card(page, 'kept on B').waitFor();
    const old = card(page, 'old file');
    await old.getByText('Expired').waitFor();
    assert.equal(await old.getByRole('link').count(), 0, 'an expired attachment is not a link');

    // Published while the page is away: it arrives after the reload, and nothing arrives twice.
    await page.goto('about:blank');
    await publish(server, a, 'while away');
    await page.goto(`/${a}`);
    await card(page, 'while away').waitFor();
    await page.getByRole('navigation', { name: 'Subscriptions' }).getByRole('link', { name: new RegExp(b) }).click();
    await page.getByRole('status').filter({ hasText: 'Connected, receiving live' }).waitFor();
    await page.getByRole('navigation', { name: 'Subscriptions' }).getByRole('link', { name: /All notifications/ }).click();
    await publish(server, b, 'live after reload');
    await card(page, 'live after reload').waitFor();
    assert.equal(await page.locator('ul.notifications > li').count(), 5);
    assert.deepEqual(await seriousA11yViolations(page), []);
    assert.deepEqual(pageBugs(errors), []);
    await context.close();
  });

  test('a long list opens with its newest 50 cards; scrolling and "Show more" bring the older ones', async () => {
    const { context, page, errors } = await open();
    const topic = randomTopic('long');
    for (let i = 0; i < 120; i++) await publish(server, topic, `numbered ${i}`);
    await page.goto(`/${topic}`);
    const list = page.getByRole('list', { name: 'Notifications' });
    await page.waitForFunction(() => document.querySelectorAll('ul.notifications > li').length > 0);
    await page.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): { dataset: { total?: string } } | null } }).document.querySelector('ul.notifications')?.dataset.total === '120');
    assert.equal(await list.locator('> li').count(), 50);
    await card(page, 'numbered 119').waitFor();
    assert.equal(await card(page, 'numbered 69').count(), 0, 'older cards wait below the first page');
    // Scrolling to the end of the list adds the next page.
    await page.getByRole('button', { name: 'Show more (70 older)' }).scrollIntoViewIfNeeded();
    await page.waitForFunction(() => document.querySelectorAll('ul.notifications > li').length === 100);
    // The button does it too, for keyboards: the last 20. Clicked where it is: Playwright's click
    // would scroll it into view first, and the scroll alone can load the page before the click lands.
    await page.getByRole('button', { name: 'Show more (20 older)' }).evaluate((button) => (button as { click(): void }).click());
    await card(page, 'numbered 0').waitFor();
    assert.equal(await list.locator('> li').count(), 120);
    assert.equal(await page.getByRole('button', { name: /Show more/ }).count(), 0);
    // A search starts again from the top, over all 120.
    await page.getByLabel('Search notifications').fill('numbered 7');
    await page.waitForFunction(() => document.querySelectorAll('ul.notifications > li').length === 11);
    assert.equal(await list.locator('> li').filter({ hasText: /numbered 7\d?Mark/ }).count(), 11, '7 and 70-79');
    assert.deepEqual(pageBugs(errors), []);
    await context.close();
  });

  test('a refused publish is shown in words (413 for an attachment over the limit)', async () => {
    const { context, page, errors } = await open(tiny);
    const topic = randomTopic('big');
    await subscribe(page, topic);
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Publish to topic' });
    await dialog.getByLabel('Attachment').setInputFiles({ name: 'big.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(8_000, 1) });
    await dialog.getByRole('button', { name: 'Publish', exact: true }).click();
    await dialog.getByRole('alert').filter({ hasText: /^Too large/ }).waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    await dialog.getByRole('button', { name: 'Close' }).first().click();

    // A topic name the server refuses, in words too.
    await page.getByRole('button', { name: 'Subscribe to topic' }).click();
    const sub = page.getByRole('dialog', { name: 'Subscribe to topic' });
    await sub.getByLabel('Topic', { exact: true }).fill('not a topic!');
    await sub.getByRole('button', { name: 'Subscribe', exact: true }).click();
    await sub.getByRole('alert').filter({ hasText: 'A topic name is 1 to 64 letters' }).waitFor();
    assert.deepEqual(pageBugs(errors), []);
    await context.close();
  });

  test('a publish over the request limit says so and when to retry (429 with Retry-After)', async () => {
    const limited = await startTestServer({ 'visitor-request-limit-burst': '8', 'visitor-request-limit-replenish': '1h' });
    try {
      const { context, page, errors } = await open(limited);
      const topic = randomTopic('busy');
      await subscribe(page, topic);
      // Each publish spends a request; the page's own stream spent some already.
      const dialog = page.getByRole('dialog', { name: 'Publish to topic' });
      let refused = false;
      for (let i = 0; i < 12 && !refused; i++) {
        if (!(await dialog.isVisible())) await page.getByRole('button', { name: 'Publish', exact: true }).click();
        await dialog.getByLabel('Message', { exact: true }).fill(`burst ${i}`);
        await dialog.getByRole('button', { name: 'Publish', exact: true }).click();
        const outcome = await Promise.race([
          dialog.getByRole('alert').filter({ hasText: /^Too many requests/ }).waitFor().then(() => 'refused'),
          card(page, `burst ${i}`).waitFor().then(() => 'published'),
        ]);
        refused = outcome === 'refused';
      }
      assert.ok(refused, 'the limit was reached');
      const text = await dialog.getByRole('alert').filter({ hasText: /^Too many requests/ }).innerText();
      assert.match(text, /Try again in \d+ s\./, text);
      assert.deepEqual(await seriousA11yViolations(page), []);
      assert.deepEqual(errors.filter((e) => !/status of 429/.test(e)), []);
      await context.close();
    } finally {
      await limited.close();
    }
  });

  test('browser notifications in the foreground, turned on from the settings', async () => {
    const context = await newContext(browser, server.url);
    // Records what the app shows (headless Chromium has no notification centre to look at).
    await context.addInitScript(() => {
      const scope = globalThis as unknown as { Notification: unknown; shown: string[] };
      const Real = scope.Notification as { permission: string; requestPermission(): Promise<string> };
      scope.shown = [];
      class Recorder {
        static get permission() { return Real.permission; }
        static requestPermission() { return Real.requestPermission(); }
        onclick: unknown = null;
        constructor(title: string, options: { body?: string }) { scope.shown.push(`${title}: ${options?.body ?? ''}`); }
      }
      scope.Notification = Recorder;
    });
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.goto('/');
    const topic = randomTopic('alert');
    await subscribe(page, topic);
    await page.getByRole('button', { name: 'Settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    await dialog.getByLabel('Browser notifications while the app is open').check();
    await dialog.getByLabel('Minimum priority').selectOption('3');
    await dialog.getByRole('button', { name: 'Close' }).first().click();
    await publish(server, topic, 'too quiet to alert', { Priority: '2' });
    await publish(server, topic, 'Door opened', { Title: 'Front door' });
    await card(page, 'Door opened').waitFor();
    const shown = await page.evaluate(() => (globalThis as unknown as { shown: string[] }).shown);
    assert.deepEqual(shown, ['Front door: Door opened']);
    assert.deepEqual(pageBugs(errors), []);
    await context.close();
  });

  test('German strings and dark mode from the settings', async () => {
    const { context, page, errors } = await open();
    await page.getByRole('button', { name: 'Settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    await dialog.getByLabel('Appearance').selectOption('dark');
    await dialog.getByLabel('Language').selectOption('de');
    await page.getByRole('dialog', { name: 'Einstellungen' }).getByRole('button', { name: 'Schließen' }).first().click();
    await page.getByRole('button', { name: 'Thema abonnieren' }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'de');
    assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).colorScheme), 'dark');
    assert.deepEqual(await seriousA11yViolations(page), []);
    assert.deepEqual(pageBugs(errors), []);
    await context.close();
  });
});
