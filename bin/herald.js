#!/usr/bin/env node
// Builds dist/ first when it is missing or stale (a fresh `npm ci` has no build yet), so
// `npx herald serve` works straight away.
import module from 'node:module';
import '../scripts/build-if-needed.mjs';

// Node 22.1+ can keep compiled code between runs, which matters for the offline commands (Kysely
// and TypeBox alone are some 500 small modules); on Node 20 the call does not exist.
module.enableCompileCache?.();
await import('../dist/src/cli/herald.js');
