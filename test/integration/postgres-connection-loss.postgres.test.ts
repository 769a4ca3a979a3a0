import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openPostgres, type PostgresDatabase } from '../../src/adapters/postgres/open-postgres.js';
import { POSTGRES_URL, serviceSkip } from '../helpers/services.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { eventually } from '../helpers/wait.js';

// The shared pool when the network to PostgreSQL breaks: a connection cut while a store holds it
// (between two statements of a transaction, say) must fail that store's work, not the process, and
// ping() reports the outage and the recovery.

describe('the PostgreSQL pool across a connection loss', async () => {
  const skipped = await serviceSkip('postgres');
  const opts = skipped ? { skip: skipped } : {};
  let proxy: TcpProxy;
  let database: PostgresDatabase;

  before(async () => {
    if (skipped) return;
    const target = new URL(POSTGRES_URL);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
    database = await openPostgres({ url: proxy.via(POSTGRES_URL) });
  });
  after(async () => {
    await database?.close();
    await proxy?.close();
  });

  it('a checked-out connection that breaks fails its holder only; ping is false while cut and true again after', opts, async () => {
    assert.equal(await database.ping(2000), true);
    const held = await database.pool.connect();
    await held.query('BEGIN');
    // Without a listener on the checked-out client, the cut below would be an uncaught exception
    // and end this test process.
    proxy.cut();
    await assert.rejects(held.query('SELECT 1'));
    held.release(true);
    assert.equal(await database.ping(2000), false);
    proxy.restore();
    await eventually('the pool to reach the database again', () => database.ping(2000));
    assert.deepEqual((await database.pool.query<{ n: number }>('SELECT 1 AS n')).rows, [{ n: 1 }]);
  });
});
