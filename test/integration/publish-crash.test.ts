import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../helpers/wait.js';
import { killHeraldProcesses, restartablePort, spawnHerald, untilHealthy, type HeraldProcess } from '../helpers/herald-process.js';

// Durable publish: a 200 means the message is in the cache file, whatever happens to the process
// next. The cache's writes run in a thread of their own (adapters/sqlite/message-cache/writer.ts),
// so this kills the process while many publishes are between that thread and their answer.
test('SIGKILL under a publish load, then a restart: every acknowledged message is in the cache', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-publish-crash-'));
  t.after(async () => {
    await killHeraldProcesses();
    rmSync(dir, { recursive: true, force: true });
  });
  const port = await restartablePort();
  const url = `http://127.0.0.1:${port}`;
  const args = ['serve', '--listen-http', `127.0.0.1:${port}`, '--cache-file', join(dir, 'cache.db'), '--database-file', join(dir, 'herald.db'),
    '--queue-file', join(dir, 'queue.db'), '--attachment-cache-dir', '', '--log-level', 'warn', '--visitor-request-limit-exempt-hosts', '127.0.0.1',
    // Batches wait 20 ms for company: an answer sent before its batch committed would be lost here.
    '--cache-batch-timeout', '20ms'];
  const start = async (): Promise<HeraldProcess> => {
    const child = spawnHerald(args);
    await untilHealthy(url, child);
    return child;
  };

  let child = await start();
  const acknowledged: string[] = [];
  let refused = 0;
  let killed = false;
  // 32 publishers in a loop until the kill; each keeps the ids of the answers it got.
  const publisher = async (n: number): Promise<void> => {
    for (let i = 0; !killed; i++) {
      try {
        const res = await fetch(`${url}/crash`, { method: 'POST', body: `publisher ${n} message ${i}` });
        if (res.status !== 200) {
          refused++;
          continue;
        }
        acknowledged.push(((await res.json()) as { id: string }).id);
      } catch {
        // The connection died with the process: this publish was never acknowledged.
      }
    }
  };
  const publishers = Array.from({ length: 32 }, (_, n) => publisher(n));
  // Wait until the load is well under way, then kill without warning.
  await eventually('2,000 publishes acknowledged', () => acknowledged.length >= 2_000, 60_000, 10);
  await child.stop('SIGKILL');
  killed = true;
  await Promise.all(publishers);
  assert.equal(refused, 0, 'no publish was refused before the kill');

  child = await start();
  const res = await fetch(`${url}/crash/json?poll=1&since=all`);
  assert.equal(res.status, 200);
  const cached = new Set((await res.text()).trim().split('\n').map((line) => (JSON.parse(line) as { id: string }).id));
  const missing = acknowledged.filter((id) => !cached.has(id));
  assert.deepEqual(missing, [], `${missing.length} of ${acknowledged.length} acknowledged messages are not in the cache after the restart`);
  await child.stop('SIGTERM');
});
