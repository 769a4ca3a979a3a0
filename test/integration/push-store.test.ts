import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqlitePushStore } from '../../src/adapters/sqlite/push/sqlite-push-store.js';
import { describePushStoreConformance } from '../helpers/push-store-conformance.js';

// A real file rather than :memory:, so WAL and close/reopen are what production sees.
describePushStoreConformance('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-pushes-'));
  const file = join(dir, 'queue.db');
  return {
    async open() {
      const pushes = await createSqlitePushStore({ file });
      return { pushes, close: () => pushes.close() };
    },
    async drop() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
