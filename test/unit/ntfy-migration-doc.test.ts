import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CONFIG_KEYS, NTFY_ONLY_KEYS } from '../../src/config/index.js';
import { repoFile } from '../helpers/repo.js';

/** The keys named in the first column of the migration guide's table of unsupported keys. */
function documentedUnsupported(): string[] {
  const text = readFileSync(repoFile('docs', 'ntfy-migration.md'), 'utf8');
  const section = text.slice(text.indexOf('### Keys that are not supported'), text.indexOf('## 2.'));
  return section.split('\n').filter((line) => line.startsWith('| `')).flatMap((line) => [...line.split('|')[1]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
}

it('docs/ntfy-migration.md lists exactly the ntfy keys Herald skips, and none it reads', () => {
  const documented = documentedUnsupported();
  assert.deepEqual([...documented].sort(), [...NTFY_ONLY_KEYS.keys()].sort());
  for (const key of documented) assert.ok(!CONFIG_KEYS.some((k) => k.kebab === key), `${key} is read by Herald`);
});
