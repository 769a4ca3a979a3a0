import { it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/load.js';

it('database-pool-size, database-statement-timeout and database-ca-file have defaults and read env and flags', () => {
  const defaults = loadConfig({ env: {} }).config;
  assert.deepEqual([defaults.databasePoolSize, defaults.databaseStatementTimeout, defaults.databaseCaFile], [10, 30_000, '']);
  const set = loadConfig({
    env: { HERALD_DATABASE_POOL_SIZE: '25', HERALD_DATABASE_STATEMENT_TIMEOUT: '2m' },
    flags: { 'database-ca-file': '/etc/herald/pg-ca.pem' },
  }).config;
  assert.deepEqual([set.databasePoolSize, set.databaseStatementTimeout, set.databaseCaFile], [25, 120_000, '/etc/herald/pg-ca.pem']);
  assert.equal(loadConfig({ env: { HERALD_DATABASE_STATEMENT_TIMEOUT: '0' } }).config.databaseStatementTimeout, 0, '0 turns the limit off');
});

it('a pool of no connections is refused at start', () => {
  assert.throws(() => loadConfig({ env: { HERALD_DATABASE_POOL_SIZE: '0' } }), /HERALD_DATABASE_POOL_SIZE.*at least 1/);
});
