import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/**
 * Browser tests run Debian's Chromium headless through playwright-core. `.ci/run` installs it
 * when missing; outside CI a machine without it skips these tests with a message saying so,
 * and under `CI=true` a missing browser fails them, so CI can never pass by skipping.
 */
export const CHROMIUM = process.env.HERALD_TEST_CHROMIUM ?? '/usr/bin/chromium';

export function browserSkip(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const message = `no Chromium at ${CHROMIUM}; install Debian's chromium (apt-get install chromium) to run the browser tests`;
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true: these tests must run)`);
  return message;
}

export async function launchBrowser(): Promise<Browser> {
  // --no-sandbox: CI runs as root, where Chromium refuses its sandbox.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** A context with the permissions the apps ask for granted, so no prompt blocks a test. */
export async function newContext(browser: Browser, baseURL: string): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1200, height: 900 } });
  await context.grantPermissions(['notifications'], { origin: baseURL });
  return context;
}

/**
 * Errors the page printed or threw, collected so a test can assert there were none: a failure
 * that shows nothing on screen still fails the test.
 */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  return errors;
}

interface AxeViolation { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core on the page as it is now and returns the serious and critical violations,
 * one line each (rule, help, the elements), so a failing assert says what to fix.
 */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE_SOURCE });
  // Runs in the page, where `axe` and `document` are globals.
  const violations = await page.evaluate(async () => {
    const scope = globalThis as unknown as { document: unknown; axe: { run(ctx: unknown, opts: object): Promise<{ violations: AxeViolation[] }> } };
    const result = await scope.axe.run(scope.document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/**
 * The README's screenshots (docs/screenshots/<name>.png) are taken by the browser tests at the
 * screens they check. They are written only when HERALD_SCREENSHOTS=1 (`HERALD_SCREENSHOTS=1
 * npm test`), so an ordinary run leaves the checkout as it was.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.HERALD_SCREENSHOTS !== '1') return;
  const dir = join(process.cwd(), 'docs', 'screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`) });
}
