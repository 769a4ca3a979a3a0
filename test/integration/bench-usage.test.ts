import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RUN = fileURLToPath(new URL('../../bench/run.js', import.meta.url));

function run(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RUN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

// Bad usage is exit status 2 with the usage text, before any server, schema or Redis prefix is
// made: a typo must not cost a seeded million devices, nor leave a schema behind.
for (const [name, option] of [['publish-pg', '--pool-size'], ['cluster-fanout', '--subscribers'], ['broadcast-pg', '--devices']] as const) {
  test(`bench ${name} with a bad option exits 2, names the known options and prints the usage`, async () => {
    const { code, stdout, stderr } = await run([name, '--no-such-option', '1']);
    assert.equal(code, 2, `stdout:\n${stdout}\nstderr:\n${stderr}`);
    assert.match(stderr, /bad option --no-such-option 1/);
    assert.match(stderr, new RegExp(`known: .*${option} N`));
    assert.match(stderr, new RegExp(`^  ${name} `, 'm'));
    assert.equal(stdout, '');
  });
}

test('bench with an option value that is not a number exits 2', async () => {
  const { code, stderr } = await run(['cluster-fanout', '--subscribers', 'many']);
  assert.equal(code, 2);
  assert.match(stderr, /bad option --subscribers many/);
});

test('bench publish-pg without wrk on PATH exits 1 and says how to install it, before touching PostgreSQL', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'herald-no-wrk-'));
  try {
    // An unreachable PostgreSQL URL: reaching it would be a different error than the one asserted.
    const { code, stdout, stderr } = await run(['publish-pg'], { ...process.env, PATH: empty, HERALD_BENCH_POSTGRES_URL: 'postgres://nobody@127.0.0.1:1/none' });
    assert.equal(code, 1, `stdout:\n${stdout}\nstderr:\n${stderr}`);
    assert.match(stderr, /wrk not found/);
    assert.doesNotMatch(stderr, /PostgreSQL/);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});
