import { describe, it } from 'node:test';
import { openPostgres, type PostgresDatabase } from '../../src/adapters/postgres/open-postgres.js';
import { createPostgresPushStore, type PostgresPushStore } from '../../src/adapters/postgres/push/index.js';
import { describePushStoreConformance } from '../helpers/push-store-conformance.js';
import { freshPostgresSchema, serviceSkip } from '../helpers/services.js';

const skip = await serviceSkip('postgres');

/** A ledger on its own pool, as one Herald process would hold it. Small pools: the server is shared. */
async function ledgerOn(url: string): Promise<{ db: PostgresDatabase; pushes: PostgresPushStore; close(): Promise<void> }> {
  const db = await openPostgres({ url, poolSize: 4 });
  try {
    const pushes = await createPostgresPushStore({ database: db });
    return {
      db,
      pushes,
      async close() {
        await pushes.close();
        await db.close();
      },
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}

if (skip) {
  describe('PushStore conformance: postgres', { skip }, () => {
    it('runs against the machine PostgreSQL', () => {});
  });
} else {
  describePushStoreConformance('postgres', async () => {
    const schema = await freshPostgresSchema('push-store conformance');
    return {
      open: () => ledgerOn(schema.url),
      drop: () => schema.drop(),
    };
  });
}
