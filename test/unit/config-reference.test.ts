import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CONFIG_KEYS } from '../../src/config/index.js';
import { renderConfigReference } from '../../src/config/reference.js';
import { repoFile } from '../helpers/repo.js';

test('docs/configuration.md is what `npm run docs:config` generates from the schema', () => {
  const checkedIn = readFileSync(repoFile('docs', 'configuration.md'), 'utf8');
  assert.ok(checkedIn === renderConfigReference(), 'docs/configuration.md is out of date: run `npm run docs:config` and commit the result');
});

test('the reference has one row per key, with its kind, default, environment variable and description', () => {
  const rows = renderConfigReference().split('\n').filter((line) => line.startsWith('| `'));
  assert.equal(rows.length, CONFIG_KEYS.length);
  for (const k of CONFIG_KEYS) {
    const row = rows.find((line) => line.startsWith(`| \`${k.kebab}\` |`));
    assert.ok(row, `${k.kebab} has a row`);
    assert.ok(row.includes(`| \`${k.env}\` |`), `${k.kebab}: environment variable`);
    assert.ok(row.includes(k.description.replaceAll('|', '\\|')), `${k.kebab}: description`);
    for (const value of k.values ?? []) assert.ok(row.includes(`\`${value}\``), `${k.kebab}: value ${value}`);
  }
  const listen = rows.find((line) => line.startsWith('| `listen-http` |'));
  assert.equal(listen, '| `listen-http` | text | `:8080` | `HERALD_LISTEN_HTTP` | HTTP listen address as [host]:port; - or empty: none (then listen-https or listen-unix) |');
  const mode = rows.find((line) => line.startsWith('| `listen-unix-mode` |'));
  assert.match(mode ?? '', /^\| `listen-unix-mode` \| file mode \| \(empty\) \|/);
});
