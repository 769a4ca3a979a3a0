import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openHeraldDatabase } from '../../src/adapters/sqlite/herald-db/open-herald-db.js';
import { describeEventEndpointStoreConformance } from '../helpers/event-endpoint-store-conformance.js';

describeEventEndpointStoreConformance('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-events-'));
  const file = join(dir, 'herald.db');
  return {
    open: () => openHeraldDatabase({ file }),
    async drop() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
