import { register } from 'node:module';

// Loaded with `node --import`: installs module-log-hooks.ts before the program's first import.
register('./module-log-hooks.js', import.meta.url);
