import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { headingAnchors, markdownLinks } from '../helpers/markdown.js';
import { REPO_ROOT, repoFile } from '../helpers/repo.js';

/**
 * The documentation a reader gets with the repository links only to what they have: every
 * relative link resolves to a file or folder inside the repository (and an #anchor to a heading
 * of it), and nothing points at the development notes outside it.
 */
const DOCS = ['README.md', 'bench/README.md', ...readdirSync(repoFile('docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

for (const doc of DOCS) {
  test(`${doc}: every relative link resolves inside the repository`, () => {
    const text = readFileSync(repoFile(doc), 'utf8');
    const problems: string[] = [];
    for (const { target, line } of markdownLinks(text)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
        if (!/^(https?|mailto):/i.test(target)) problems.push(`${doc}:${line}: ${target} is not a web or mail link`);
        continue;
      }
      const [path, anchor] = target.split('#') as [string, string | undefined];
      const file = path === '' ? repoFile(doc) : resolve(dirname(repoFile(doc)), decodeURIComponent(path));
      const inside = relative(REPO_ROOT, file);
      if (inside.startsWith('..') || inside.startsWith('/')) {
        problems.push(`${doc}:${line}: ${target} points outside the repository`);
        continue;
      }
      if (!existsSync(file)) {
        problems.push(`${doc}:${line}: ${target} does not exist`);
        continue;
      }
      if (anchor && statSync(file).isFile() && file.endsWith('.md') && !headingAnchors(readFileSync(file, 'utf8')).has(anchor)) {
        problems.push(`${doc}:${line}: ${target}: no heading makes the anchor #${anchor}`);
      }
    }
    assert.deepEqual(problems, []);
  });

  test(`${doc}: no mention of files outside the repository`, () => {
    const lines = readFileSync(repoFile(doc), 'utf8').split('\n');
    const outside = lines.flatMap((text, i) => (/\.\.\/shared\/|\/work\//.test(text) ? [`${doc}:${i + 1}: ${text.trim()}`] : []));
    assert.deepEqual(outside, []);
  });
}

test('the link check itself sees links, anchors and files', () => {
  assert.deepEqual(markdownLinks('See [a](docs/x.md#y) and ![i](i.png) but not `[b](c)`.\n[ref]: ../out.md\n').map((l) => l.target), ['docs/x.md#y', 'i.png', '../out.md']);
  assert.ok(headingAnchors('## Running several Herald processes\n').has('running-several-herald-processes'));
  assert.ok(headingAnchors('### Sending: `POST /v1/notify`\n').has('sending-post-v1notify'));
  assert.ok(existsSync(join(REPO_ROOT, 'package.json')));
});
