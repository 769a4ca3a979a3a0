import { existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { HarnessError, makeTmpDir } from './lib/proc.js';
import { startHerald } from './lib/servers.js';
import { bar, fmt, parseOptions, percentile, table } from './lib/stats.js';

/**
 * The topics web app's budgets (issue 16), measured in Debian's Chromium against a running Herald:
 *
 * - initial JS: every script `/` loads before any interaction, gzipped (as served), ≤ 200 kB;
 * - cached render: a reload with `--cached` notifications kept by the app, from navigation start
 *   to the frame after the list holds them all with its first page of cards (50; the rest are
 *   added as the reader scrolls) in the page, ≤ 300 ms (median);
 * - live: from the publish's acknowledgement (its HTTP answer, read by this process) to the frame
 *   after the card shows it, ≤ 100 ms (median).
 *
 * Baselines in the same run and browser: a page of plain DOM code rendering the same messages
 * from JSON embedded in it (the least code that shows the list), and a page with a bare
 * EventSource on the same topic appending one element per message (the least code that shows a
 * live message). Both are served from Herald's origin through Playwright's router, so storage
 * and connections are the same origin's. Rounds alternate app and baseline.
 */
const CHROMIUM = process.env.HERALD_BENCH_CHROMIUM ?? '/usr/bin/chromium';
const BUDGET_JS_KB = 200;
const BUDGET_RENDER_MS = 300;
const BUDGET_LIVE_MS = 100;

interface Message { id: string; time: number; topic: string; title?: string; message?: string; tags?: string[]; priority?: number }

/**
 * Resolves (in the page) with ms since navigation start at the first frame after the list holds
 * all `count` notifications (`data-total`, for the app, which renders a page of 50 cards and the
 * rest as the reader scrolls) and at least `shown` cards are in the page.
 */
const WAIT_FOR_LIST = `(count, shown, list, card) => new Promise((resolve) => {
  const ready = () => {
    const ul = document.querySelector(list);
    const total = ul ? Number(ul.dataset.total ?? ul.children.length) : 0;
    return total >= count && document.querySelectorAll(card).length >= shown;
  };
  const check = () => ready() ? requestAnimationFrame(() => resolve(performance.now())) : requestAnimationFrame(check);
  check();
})`;
/** The app's first page of cards. */
const APP_PAGE = 50;

export async function main(args: string[]): Promise<number> {
  const opts = parseOptions(args, { cached: 1000, rounds: 7, live: 30 });
  if (!existsSync(CHROMIUM)) throw new HarnessError(`no Chromium at ${CHROMIUM}: apt-get install chromium`);
  const tmp = makeTmpDir('web-budgets');
  const herald = await startHerald({ dir: tmp.dir, flags: { 'cache-duration': '24h' } });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  try {
    const js = await initialJs(browser, herald.url);
    const render = await cachedRender(browser, herald.url, opts.cached, opts.rounds);
    const live = await liveLatency(browser, herald.url, opts.live);

    console.log(`\nweb-budgets: Herald ${herald.url}, Chromium ${browser.version()}, ${opts.cached} cached, ${opts.rounds} reloads, ${opts.live} live messages`);
    console.log(table([
      ['measure', 'app', 'baseline', 'app/baseline', 'budget'],
      ['initial JS, gzip kB', fmt(js.gzipKb, 1), '-', '-', `≤ ${BUDGET_JS_KB}`],
      [`render ${opts.cached} cached, median ms`, fmt(render.app.median, 0), fmt(render.base.median, 0), fmt(render.app.median / render.base.median), `≤ ${BUDGET_RENDER_MS}`],
      [`render ${opts.cached} cached, max ms`, fmt(render.app.max, 0), fmt(render.base.max, 0), '', ''],
      ['live message after ack, median ms', fmt(live.app.median, 1), fmt(live.base.median, 1), fmt(live.app.median / Math.max(live.base.median, 0.1)), `≤ ${BUDGET_LIVE_MS}`],
      ['live message after ack, p95 ms', fmt(live.app.p95, 1), fmt(live.base.p95, 1), '', ''],
    ]));
    console.log(`scripts loaded by /: ${js.files.join(', ')}`);
    bar('initial JS', js.gzipKb <= BUDGET_JS_KB, `${fmt(js.gzipKb, 1)} kB gzipped (budget ${BUDGET_JS_KB})`);
    bar('cached render', render.app.median <= BUDGET_RENDER_MS, `${fmt(render.app.median, 0)} ms median for ${opts.cached} notifications (budget ${BUDGET_RENDER_MS}); baseline ${fmt(render.base.median, 0)} ms`);
    bar('live message', live.app.median <= BUDGET_LIVE_MS, `${fmt(live.app.median, 1)} ms median after the acknowledgement (budget ${BUDGET_LIVE_MS}); baseline ${fmt(live.base.median, 1)} ms`);
    return 0;
  } finally {
    await browser.close();
    await herald.stop();
    tmp.remove();
  }
}

/** The scripts `/` loads on its own (entry and preloads), gzipped as Herald serves them. */
async function initialJs(browser: Browser, url: string): Promise<{ gzipKb: number; files: string[] }> {
  const page = await browser.newPage();
  const scripts = new Set<string>();
  page.on('request', (r) => {
    if (r.resourceType() === 'script') scripts.add(r.url());
  });
  await page.goto(`${url}/`, { waitUntil: 'networkidle' });
  await page.close();
  let bytes = 0;
  for (const script of scripts) {
    const body = Buffer.from(await (await fetch(script, { headers: { 'accept-encoding': 'identity' } })).arrayBuffer());
    bytes += gzipSync(body, { level: 9 }).length;
  }
  return { gzipKb: bytes / 1024, files: [...scripts].map((s) => new URL(s).pathname) };
}

async function publish(url: string, topic: string, body: string, headers: Record<string, string> = {}): Promise<Message> {
  const res = await fetch(`${url}/${topic}`, { method: 'POST', body, headers });
  if (res.status !== 200) throw new HarnessError(`publish answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Message;
}

function summary(values: number[]): { median: number; p95: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted[sorted.length - 1]! };
}

async function cachedRender(browser: Browser, url: string, count: number, rounds: number) {
  const topic = `budget${Date.now().toString(36)}`;
  const messages: Message[] = [];
  for (let i = 0; i < count; i++) {
    messages.push(await publish(url, topic, `Message ${i}: the nightly backup of volume ${i % 17} finished`, { title: `Backup ${i}`, tags: 'floppy_disk,backup', priority: String((i % 5) + 1) }));
  }
  const context = await browser.newContext({ baseURL: url });
  const page = await context.newPage();
  // The app subscribes to the topic of its address and keeps what arrives.
  await page.goto(`/${topic}`);
  await page.waitForFunction(`document.querySelector('ul.notifications')?.dataset.total === '${count}'`, undefined, { timeout: 120_000 });
  await servedPage(page, `${url}/__baseline-list`, baselineList(messages));

  const app: number[] = [];
  const base: number[] = [];
  for (let round = 0; round < rounds; round++) {
    await page.goto(`/${topic}`);
    app.push(await page.evaluate(`(${WAIT_FOR_LIST})(${count}, ${Math.min(count, APP_PAGE)}, 'ul.notifications', 'li.card')`) as number);
    await page.goto(`${url}/__baseline-list`);
    base.push(await page.evaluate(`(${WAIT_FOR_LIST})(${count}, ${count}, '#list', 'li.item')`) as number);
  }
  await context.close();
  return { app: summary(app), base: summary(base) };
}

async function liveLatency(browser: Browser, url: string, count: number) {
  const topic = `live${Date.now().toString(36)}`;
  // A context each: two pages of one context are two tabs, and the one behind is throttled
  // (timers once a second) as a hidden tab is; each context has its own visible window.
  const context = await browser.newContext({ baseURL: url });
  const app = await context.newPage();
  await app.goto(`/${topic}`);
  const baselineContext = await browser.newContext({ baseURL: url });
  const baseline = await baselineContext.newPage();
  await servedPage(baseline, `${url}/__baseline-live`, baselineLive(topic));
  await baseline.goto(`${url}/__baseline-live`);
  // Both streams open: a first message reaches both before timing starts.
  const warm = await publish(url, topic, 'warm-up');
  await app.waitForFunction(`document.querySelector('li.card[data-id="${warm.id}"]') !== null`, undefined, { timeout: 60_000 })
    .catch(async (err: Error) => {
      throw new HarnessError(`the app never showed the warm-up message (${err.message}); the page said: ${(await app.innerText('body')).slice(0, 500)}`);
    });
  await baseline.waitForFunction(`document.querySelector('li[data-id="${warm.id}"]') !== null`, undefined, { timeout: 60_000 });

  const appMs: number[] = [];
  const baseMs: number[] = [];
  for (let i = 0; i < count; i++) {
    const text = `live ${i} ${Date.now()}`;
    // Each page notes the wall-clock time of the frame after the message's element appears.
    const watch = (page: Page, selector: string) => page.evaluate(`new Promise((resolve) => {
      const seen = () => [...document.querySelectorAll(${JSON.stringify(selector)})].some((e) => e.textContent.includes(${JSON.stringify(text)}));
      const observer = new MutationObserver(() => {
        if (!seen()) return;
        observer.disconnect();
        requestAnimationFrame(() => resolve(performance.timeOrigin + performance.now()));
      });
      observer.observe(document.body, { childList: true, subtree: true, characterData: true });
    })`) as Promise<number>;
    const shownApp = watch(app, 'li.card');
    const shownBase = watch(baseline, 'li');
    await Promise.all([app.evaluate('0'), baseline.evaluate('0')]);
    await publish(url, topic, text);
    const acked = performance.timeOrigin + performance.now();
    appMs.push((await shownApp) - acked);
    baseMs.push((await shownBase) - acked);
  }
  await context.close();
  await baselineContext.close();
  if (process.env.HERALD_BENCH_VERBOSE) console.log(`live app ms: ${appMs.map((v) => v.toFixed(0)).join(' ')}\nlive baseline ms: ${baseMs.map((v) => v.toFixed(0)).join(' ')}`);
  return { app: summary(appMs), base: summary(baseMs) };
}

/** Serves `html` at `address` (Herald's origin) to this page, without Herald knowing the route. */
async function servedPage(page: Page, address: string, html: string): Promise<void> {
  await page.route(address, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
}

function baselineList(messages: Message[]): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>baseline</title></head><body><ul id="list"></ul>
<script id="data" type="application/json">${JSON.stringify(messages).replace(/</g, '\\u003c')}</script>
<script>
const messages = JSON.parse(document.getElementById('data').textContent).reverse();
const list = document.getElementById('list');
const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'short' });
for (const m of messages) {
  const li = document.createElement('li'); li.className = 'item';
  const h = document.createElement('h3'); h.textContent = m.title ?? m.topic;
  const p = document.createElement('p'); p.textContent = m.message ?? '';
  const t = document.createElement('time'); t.textContent = when.format(new Date(m.time * 1000));
  const tags = document.createElement('span'); tags.textContent = (m.tags ?? []).join(' ');
  li.append(h, p, t, tags); list.append(li);
}
</script></body></html>`;
}

function baselineLive(topic: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>baseline</title></head><body><ul id="list"></ul>
<script>
const list = document.getElementById('list');
new EventSource('/${topic}/sse?since=all').addEventListener('message', (e) => {
  const m = JSON.parse(e.data);
  const li = document.createElement('li'); li.dataset.id = m.id; li.textContent = m.message ?? '';
  list.prepend(li);
});
</script></body></html>`;
}
