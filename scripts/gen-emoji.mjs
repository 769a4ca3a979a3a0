// Writes web/src/topics/notifications/emoji.json: GitHub-style emoji short codes (the tag names
// ntfy clients turn into emoji, e.g. "warning" → ⚠️) mapped to the emoji, built from the
// emojibase-data package. The web app loads the file lazily, only when a message has tags.
// Run again after upgrading emojibase-data: node scripts/gen-emoji.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const read = (name) => JSON.parse(readFileSync(require.resolve(`emojibase-data/${name}`), 'utf8'));
const shortcodes = read('en/shortcodes/github.json');
const unicodeByHex = new Map();
for (const emoji of read('en/compact.json')) {
  unicodeByHex.set(emoji.hexcode, emoji.unicode);
  for (const skin of emoji.skins ?? []) unicodeByHex.set(skin.hexcode, skin.unicode);
}
const table = {};
for (const [hex, codes] of Object.entries(shortcodes)) {
  const unicode = unicodeByHex.get(hex) ?? String.fromCodePoint(...hex.split('-').map((h) => parseInt(h, 16)));
  for (const code of [codes].flat()) table[code] ??= unicode;
}
const sorted = Object.fromEntries(Object.entries(table).sort(([a], [b]) => a.localeCompare(b)));
const out = new URL('../web/src/topics/notifications/emoji.json', import.meta.url);
writeFileSync(out, `${JSON.stringify(sorted)}\n`);
console.log(`${Object.keys(sorted).length} short codes → ${out.pathname}`);
