import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { browserSkip, collectPageErrors, launchBrowser, newContext, seriousA11yViolations } from '../helpers/browser.js';
import { randomTopic, startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.close());

/** The hashed asset URLs a page loads. */
async function assetsOf(path: string): Promise<string[]> {
  const html = await (await fetch(`${server.url}${path}`)).text();
  return [...html.matchAll(/(?:src|href)="(\/static\/web\/assets\/[^"]+)"/g)].map((m) => m[1]!);
}

describe('web face: how the apps are served', () => {
  test('the topics app, topic links and the console are HTML pages checked on every load', async () => {
    for (const path of ['/', '/mytopic', '/ntfy.sh/mytopic', '/admin', '/admin/devices']) {
      const res = await fetch(`${server.url}${path}`);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/, path);
      assert.equal(res.headers.get('cache-control'), 'no-cache', path);
      const html = await res.text();
      assert.match(html, path.startsWith('/admin') ? /<title>Herald admin<\/title>/ : /<title>Herald<\/title>/, path);
      assert.match(html, /<script src="\/config\.js"><\/script>/, path);
    }
    assert.equal((await fetch(`${server.url}/not.a/valid topic`)).status, 404);
    assert.equal((await fetch(`${server.url}/mytopic?up=1`).then((r) => r.json()) as { unifiedpush: { version: number } }).unifiedpush.version, 1);
  });

  test('hashed assets are cached for a year and served compressed as the client accepts', async () => {
    const assets = await assetsOf('/');
    assert.ok(assets.some((a) => a.endsWith('.js')), assets.join(' '));
    for (const asset of assets) {
      const plain = await fetch(`${server.url}${asset}`, { headers: { 'accept-encoding': 'identity' } });
      assert.equal(plain.status, 200, asset);
      assert.equal(plain.headers.get('cache-control'), 'public, max-age=31536000, immutable', asset);
      assert.equal(plain.headers.get('content-encoding'), null, asset);
      const body = Buffer.from(await plain.arrayBuffer());
      for (const encoding of ['br', 'gzip']) {
        // fetch decodes what it asked for; the header says the compressed file was sent.
        const res = await fetch(`${server.url}${asset}`, { headers: { 'accept-encoding': encoding } });
        if (body.length >= 256) assert.equal(res.headers.get('content-encoding'), encoding, `${asset} ${encoding}`);
        assert.deepEqual(Buffer.from(await res.arrayBuffer()), body, `${asset} ${encoding} decodes to the same bytes`);
      }
    }
    assert.equal((await fetch(`${server.url}/static/web/assets/nope.js`)).status, 404);
  });

  test('the admin console loads none of the topics app code and the topics app none of the console', async () => {
    const topics = await assetsOf('/');
    const admin = await assetsOf('/admin');
    const own = (list: string[], name: string) => list.filter((a) => a.includes(`/${name}-`));
    assert.equal(own(topics, 'admin').length, 0, topics.join(' '));
    assert.equal(own(admin, 'index').length, 0, admin.join(' '));
  });

  test('the service worker is at the root, its scope, and the manifest describes an installable app', async () => {
    const sw = await fetch(`${server.url}/sw.js`);
    assert.equal(sw.status, 200);
    assert.match(sw.headers.get('content-type') ?? '', /javascript/);
    assert.equal(sw.headers.get('cache-control'), 'no-cache');
    assert.match(await sw.text(), /showNotification/);
    const manifest = await (await fetch(`${server.url}/manifest.webmanifest`)).json() as { name: string; start_url: string; display: string; icons: { src: string }[] };
    assert.equal(manifest.name, 'Herald');
    assert.equal(manifest.display, 'standalone');
    for (const icon of manifest.icons) assert.equal((await fetch(`${server.url}${icon.src}`)).status, 200, icon.src);
  });

  test("'admin' is a reserved topic name: publishing to it is refused", async () => {
    const res = await fetch(`${server.url}/admin`, { method: 'POST', body: 'hi' });
    assert.equal(res.status, 400);
    assert.equal((await res.json() as { code: number }).code, 40010);
  });
});

describe('web face in a browser', { skip: browserSkip() }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(() => browser?.close());

  test('a topic opened from its link shows a message published with curl', async () => {
    const context = await newContext(browser, server.url);
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    const topic = randomTopic('web');
    await page.goto(`/${topic}`);
    await page.getByRole('list', { name: 'Notifications' }).waitFor({ state: 'attached' });
    const published = await fetch(`${server.url}/${topic}`, { method: 'POST', body: 'Backup finished', headers: { title: 'Disk' } });
    assert.equal(published.status, 200);
    await page.getByText('Backup finished').waitFor();
    await page.getByText('Disk').waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    assert.deepEqual(errors, []);
    await context.close();
  });
});
