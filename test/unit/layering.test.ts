import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

/** Which top-level folders of src/ each folder may import from (DESIGN.md: cli → http → core → ports ← adapters). */
const ALLOWED: Record<string, string[]> = {
  errors: ['errors'],
  config: ['config', 'util'],
  util: ['util', 'errors'],
  ports: ['ports'],
  core: ['core', 'ports', 'errors', 'util'],
  adapters: ['adapters', 'ports', 'errors', 'util'],
  http: ['http', 'core', 'ports', 'errors', 'util', 'config'],
  cli: ['cli', 'http', 'core', 'ports', 'config', 'util', 'errors', 'main.ts', 'composition'],
  // main.ts's helpers: they build adapters from config; the HTTP face is main.ts's alone.
  composition: ['composition', 'adapters', 'core', 'ports', 'config', 'util', 'errors'],
};

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (entry.name.endsWith('.ts')) yield path;
  }
}

test('imports follow the layering of DESIGN.md', () => {
  const violations: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const from = relative(SRC, file).split('/')[0]!;
    const allowed = ALLOWED[from];
    if (!allowed) continue; // main.ts, the composition root, may import anything
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from|import\(?)\s*'(\.{1,2}\/[^']+)'/g)) {
      const target = relative(SRC, resolve(dirname(file), m[1]!)).split('/')[0]!.replace(/\.js$/, '.ts');
      if (!allowed.includes(target)) violations.push(`${relative(SRC, file)} imports ${m[1]}`);
    }
  }
  assert.deepEqual(violations, []);
});

test('domain code does not import Fastify, SQL drivers or Kysely', () => {
  const banned = /from '(fastify|better-sqlite3|kysely|pg|ioredis|ws)'/;
  for (const file of sourceFiles(join(SRC, 'core'))) {
    assert.doesNotMatch(readFileSync(file, 'utf8'), banned, relative(SRC, file));
  }
});
