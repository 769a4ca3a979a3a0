// Builds dist/ with tsc when it is missing or older than any source file, so `npm start`
// works straight after `npm ci` and stays cheap on later starts; then the CLI bundle
// (bundle-cli.mjs) when it is missing or older than that build. `cliEntry` is what
// bin/herald.js runs: the bundle when it is current, else tsc's output as it is.
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = new URL('..', import.meta.url).pathname;
const marker = join(root, 'dist', '.tsbuildinfo');

/** Whether any .ts file under dir was changed after `since` (ms). Every command start pays for this walk, hence the plain loop. */
function changedSince(dir, since) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory() ? changedSince(path, since) : entry.name.endsWith('.ts') && statSync(path).mtimeMs > since) return true;
  }
  return false;
}

// Imported by bin/herald.js, only src/ matters, and walking the tests too would add to every
// command's start; run as a script (`npm run bench`), benchmarks and tests count as well.
const asScript = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
const dirs = asScript ? ['src', 'test', 'bench'] : ['src'];
const stale = !existsSync(marker) ||
  dirs.some((d) => existsSync(join(root, d)) && changedSince(join(root, d), statSync(marker).mtimeMs));
if (stale) {
  process.stderr.write('herald: building with tsc...\n');
  // Imported here, not above: every command start pays for what this module loads.
  const { execFileSync } = await import('node:child_process');
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
  // tsc leaves its build info alone when no output changed (a file only touched, or checked out
  // again): mark the build as checked now, or every later start would run tsc again.
  const now = new Date();
  utimesSync(marker, now, now);
}

const bundled = join(root, 'dist', 'cli', 'herald.js');
const bundleIsCurrent = () => existsSync(bundled) && statSync(bundled).mtimeMs >= statSync(marker).mtimeMs;
if (!bundleIsCurrent()) {
  try {
    const { bundleCli } = await import('./bundle-cli.mjs');
    await bundleCli();
  } catch (err) {
    process.stderr.write(`herald: could not bundle the CLI (${err instanceof Error ? err.message : String(err)}); running it unbundled\n`);
  }
}
// The web app (web/) is built into dist/web by Vite when any of its files is newer than the last
// web build; a server without it answers its pages with a 503 naming `npm run build`.
const webMarker = join(root, 'dist', 'web', '.built');
const webChanged = (dir, since) => readdirSync(dir, { withFileTypes: true }).some((entry) =>
  entry.isDirectory() ? webChanged(join(dir, entry.name), since) : statSync(join(dir, entry.name)).mtimeMs > since);
if (existsSync(join(root, 'web')) && (!existsSync(webMarker) || webChanged(join(root, 'web'), statSync(webMarker).mtimeMs))) {
  process.stderr.write('herald: building the web app...\n');
  try {
    const { buildWeb } = await import('./build-web.mjs');
    await buildWeb({ quiet: true });
  } catch (err) {
    process.stderr.write(`herald: could not build the web app (${err instanceof Error ? err.message : String(err)}); its pages answer 503\n`);
  }
}
export const cliEntry = pathToFileURL(bundleIsCurrent() ? bundled : join(root, 'dist', 'src', 'cli', 'herald.js')).href;
