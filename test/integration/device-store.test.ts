import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openHeraldDatabase } from '../../src/adapters/sqlite/herald-db/open-herald-db.js';
import { describeDeviceStoreConformance } from '../helpers/device-store-conformance.js';

// A real file rather than :memory:, so WAL, the synced commits and close/reopen are what production sees.
describeDeviceStoreConformance('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-devices-'));
  const file = join(dir, 'herald.db');
  return {
    open: () => openHeraldDatabase({ file }),
    async drop() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
