#!/usr/bin/env node
// Builds dist/ first when it is missing or stale (a fresh `npm ci` has no build yet), so
// `npx herald serve` works straight away.
import module from 'node:module';
import { cliEntry } from '../scripts/build-if-needed.mjs';

// Node 22.1+ can keep compiled code between runs; on Node 20 the call does not exist, and the
// bundle cliEntry usually names (scripts/bundle-cli.mjs) is what keeps the offline commands fast.
module.enableCompileCache?.();
await import(cliEntry);
