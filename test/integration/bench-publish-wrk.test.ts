import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RUN = fileURLToPath(new URL('../../bench/run.js', import.meta.url));

// The publish benchmark is driven by wrk, a C load generator that npm does not install. Without
// it the benchmark must stop before starting any server and say how to get it (exit 1, a
// harness failure, as for h2load), rather than measure with something else.
test('bench publish without wrk on PATH exits 1 and says how to install it', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'herald-no-wrk-'));
  try {
    const child = spawn(process.execPath, [RUN, 'publish'], { env: { ...process.env, PATH: empty }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
    assert.equal(code, 1, `stdout:\n${stdout}\nstderr:\n${stderr}`);
    assert.match(stderr, /wrk not found/);
    assert.match(stderr, /apt-get install wrk/);
    assert.doesNotMatch(stdout, /req\/s/);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});
