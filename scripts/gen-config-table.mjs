// Prints the README's configuration table from the config schema: node scripts/gen-config-table.mjs (after a build).
const { CONFIG_KEYS } = await import('../dist/src/config/index.js');
let out = '| Key | Environment | Default | Meaning |\n|---|---|---|---|\n';
for (const k of CONFIG_KEYS) {
  const def = k.default === '' ? '(empty)' : k.kind === 'objects' && k.default === '[]' ? '(none)' : `\`${k.default}\``;
  out += `| \`${k.kebab}\` | \`${k.env}\` | ${def} | ${k.description} |\n`;
}
process.stdout.write(out);
