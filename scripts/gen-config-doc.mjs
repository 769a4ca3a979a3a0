// Writes docs/configuration.md from the config schema (after a build): npm run docs:config.
// test/unit/config-reference.test.ts fails while the checked-in file differs from this output.
import { writeFileSync } from 'node:fs';
const { renderConfigReference } = await import('../dist/src/config/reference.js');
const target = new URL('../docs/configuration.md', import.meta.url);
writeFileSync(target, renderConfigReference());
process.stdout.write(`wrote ${target.pathname}\n`);
