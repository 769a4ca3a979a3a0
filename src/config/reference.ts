import { CONFIG_KEYS, KEYS_BY_KEBAB, NTFY_KEY_RENAMES, NTFY_ONLY_KEYS, toKebab, type ConfigKeyInfo } from './keys.js';

/**
 * docs/configuration.md, rendered from the schema, so the reference cannot drift from what the
 * loader accepts: `npm run docs:config` writes it, and a unit test fails when the checked-in file
 * differs from this rendering.
 */

const KIND_TEXT: Readonly<Record<ConfigKeyInfo['kind'], string>> = {
  string: 'text',
  duration: 'duration',
  size: 'size',
  integer: 'integer',
  boolean: 'boolean',
  enum: 'one of',
  list: 'list',
  objects: 'list of mappings',
  mode: 'file mode',
};

/** A table cell: pipes would end the cell, so they are escaped. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

function defaultCell(k: ConfigKeyInfo): string {
  if (k.default === '') return '(empty)';
  if (k.kind === 'objects' && k.default === '[]') return '(none)';
  return `\`${cell(k.default)}\``;
}

function kindCell(k: ConfigKeyInfo): string {
  if (k.kind !== 'enum') return KIND_TEXT[k.kind];
  return `one of ${(k.values ?? []).map((v) => `\`${v}\``).join(', ')}`;
}

/** The whole Markdown file. */
export function renderConfigReference(): string {
  const rows = CONFIG_KEYS.map((k) => `| \`${k.kebab}\` | ${kindCell(k)} | ${defaultCell(k)} | \`${k.env}\` | ${cell(k.description)} |`);
  const renames = [...NTFY_KEY_RENAMES].map(([ntfy, name]) => `- \`${ntfy}\` is read as \`${toKebab(name)}\``);
  // A key Herald has implemented since is read, whatever the list of ntfy-only keys still says.
  const ignored = [...NTFY_ONLY_KEYS.keys()].filter((key) => !KEYS_BY_KEBAB.has(key)).sort().map((key) => `\`${key}\``);
  return `# Configuration reference

<!-- Generated from src/config/schema.ts by \`npm run docs:config\`; edit the schema, not this file. -->

Herald reads its settings from, in rising order: the defaults below, a YAML file
(\`herald serve --config herald.yml\`, or \`HERALD_CONFIG\`), environment variables, and command-line
flags (\`--listen-http :9090\`; every key is a flag). Every violation is reported at once at start,
naming the key and where the value came from, and the loaded configuration never changes after.

How values are written:

- **duration**: \`45s\`, \`1h30m\`, \`3d\` (a plain number is seconds); \`0\` where the description
  says it turns something off.
- **size**: \`4096\`, \`100k\`, \`15M\`, \`5G\`.
- **list**: a YAML list, or one comma-separated string (the only form in the environment and on the
  command line).
- **list of mappings**: YAML mappings with kebab-case keys; in the environment and on the command
  line, the same as JSON, e.g. \`HERALD_APNS='[{"bundle-id":"com.example.app",…}]'\`.
- **boolean**: \`true\`/\`false\` (also \`yes\`/\`no\`, \`on\`/\`off\`, \`1\`/\`0\`).
- **file mode**: octal, as for \`chmod\`: \`0660\`, \`660\` or \`0o660\`.
- YAML keys may be written with \`_\` instead of \`-\` (\`listen_http\`), as ntfy accepts.

| Key | Kind | Default | Environment | Description |
|---|---|---|---|---|
${rows.join('\n')}

## Keys of ntfy's server.yml

A server.yml written for ntfy loads as it is. Keys Herald reads under another name:

${renames.join('\n')}

Keys of ntfy that Herald does not act on are reported as warnings at start, never as errors, so a
migrated file still starts: ${ignored.join(', ')}. Any other unknown key is a warning too (a
misspelt key is therefore visible in the log). [ntfy-migration.md](ntfy-migration.md) says what
each of them means for a migration.
`;
}
