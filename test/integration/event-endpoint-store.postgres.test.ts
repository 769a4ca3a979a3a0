import { describe, it } from 'node:test';
import { openPostgresHeraldStores } from '../../src/adapters/postgres/herald-db/index.js';
import { openPostgres } from '../../src/adapters/postgres/open-postgres.js';
import { describeEventEndpointStoreConformance } from '../helpers/event-endpoint-store-conformance.js';
import { freshPostgresSchema, serviceSkip } from '../helpers/services.js';

const skip = await serviceSkip('postgres');

if (skip) {
  describe('EventEndpointStore conformance: postgres', { skip }, () => {
    it('runs against the machine PostgreSQL', () => {});
  });
} else {
  describeEventEndpointStoreConformance('postgres', async () => {
    const schema = await freshPostgresSchema('event endpoint store conformance');
    return {
      async open() {
        const db = await openPostgres({ url: schema.url, poolSize: 2 });
        const stores = await openPostgresHeraldStores({ database: db });
        return { eventEndpoints: stores.eventEndpoints, close: () => stores.close().then(() => db.close()) };
      },
      drop: schema.drop,
    };
  });
}
