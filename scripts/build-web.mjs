// Builds the web app and admin console (web/) into dist/web: type-checks them, bundles them
// with Vite (hashed names under /static/web/), bundles the service worker to dist/web/sw.js,
// then writes .gz and .br beside every text asset so Herald serves them compressed without
// compressing on each request.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = new URL('..', import.meta.url).pathname;
const web = join(root, 'web');
const out = join(root, 'dist', 'web');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

export async function buildWeb({ quiet = false } = {}) {
  for (const project of ['tsconfig.json', 'tsconfig.sw.json']) {
    execFileSync(process.execPath, [tsc, '-p', join(web, project)], { stdio: 'inherit' });
  }
  const { build } = await import('vite');
  await build({ configFile: join(web, 'vite.config.ts'), logLevel: quiet ? 'warn' : 'info' });
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [join(web, 'src', 'sw.ts')], outfile: join(out, 'sw.js'),
    bundle: true, minify: true, format: 'iife', target: 'es2022', logLevel: 'warning',
  });
  compressAll(out);
  writeFileSync(join(out, '.built'), new Date().toISOString());
}

const COMPRESSIBLE = /\.(js|css|html|svg|json|webmanifest|map)$/;

function compressAll(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) { compressAll(path); continue; }
    if (!COMPRESSIBLE.test(entry.name) || statSync(path).size < 256) continue;
    const data = readFileSync(path);
    writeFileSync(`${path}.gz`, gzipSync(data, { level: 9 }));
    writeFileSync(`${path}.br`, brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await buildWeb();
