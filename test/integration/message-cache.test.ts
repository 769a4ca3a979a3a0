import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteMessageCache } from '../../src/adapters/sqlite/sqlite-message-cache.js';
import { describeMessageCacheConformance } from '../helpers/message-cache-conformance.js';

// A real file rather than :memory:, so WAL, group commits and close/reopen are what production sees.
// Small batches with a delay, so concurrent adds really share commits and close has pending writes.
describeMessageCacheConformance('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-cache-'));
  const file = join(dir, 'cache.db');
  return {
    async open() {
      const cache = await createSqliteMessageCache({ file, sync: 'full', maxBatch: 16, batchDelayMs: 5 });
      return { cache, close: () => cache.close() };
    },
    async drop() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
