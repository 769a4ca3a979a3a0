#!/usr/bin/env node
// Builds dist/ first when it is missing or stale (a fresh `npm ci` has no build yet), so
// `npx herald serve` works straight away.
import '../scripts/build-if-needed.mjs';
await import('../dist/src/cli/herald.js');
