import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteNotifyStore } from '../../src/adapters/sqlite/notify/sqlite-notify-store.js';
import { describeNotifyStoreConformance } from '../helpers/notify-store-conformance.js';

// A real file rather than :memory:, so WAL and close/reopen are what production sees.
describeNotifyStoreConformance('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-notify-store-'));
  const file = join(dir, 'queue.db');
  return {
    async open() {
      const notify = await createSqliteNotifyStore({ file });
      return { notify, close: () => notify.close() };
    },
    async drop() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
