import { processIo } from './io.js';
import { runCli } from './run.js';

// The binary: the command line, the process's streams, its exit status. Everything else is in
// runCli, which tests call directly.
process.exitCode = await runCli(process.argv.slice(2), processIo());
