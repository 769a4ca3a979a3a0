// Builds dist/ with tsc when it is missing or older than any source file, so `npm start`
// works straight after `npm ci` and stays cheap on later starts.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = new URL('..', import.meta.url).pathname;
const marker = join(root, 'dist', '.tsbuildinfo');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

// Imported by bin/herald.js, only src/ matters, and walking the tests too would add to every
// command's start; run as a script (`npm run bench`), benchmarks and tests count as well.
const asScript = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
const dirs = asScript ? ['src', 'test', 'bench'] : ['src'];
const stale = !existsSync(marker) ||
  dirs.some((d) => existsSync(join(root, d)) && newestMtime(join(root, d)) > statSync(marker).mtimeMs);
if (stale) {
  process.stderr.write('herald: building with tsc...\n');
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
}
