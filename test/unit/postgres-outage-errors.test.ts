import { it } from 'node:test';
import assert from 'node:assert/strict';
import { isPostgresOutage } from '../../src/adapters/postgres/outage-errors.js';

/** An error as node-postgres raises it: a message, and a SQLSTATE or socket code when it has one. */
function pgError(message: string, code?: string): Error {
  return Object.assign(new Error(message), code === undefined ? {} : { code });
}

const ROWS: [string, unknown, boolean][] = [
  ['a connection that broke mid-query', pgError('Connection terminated unexpectedly'), true],
  ['a pool that could not get a connection in time', pgError('timeout exceeded when trying to connect'), true],
  ['a refused connection', pgError('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'), true],
  ['a reset connection', pgError('read ECONNRESET', 'ECONNRESET'), true],
  ['an unknown host', pgError('getaddrinfo ENOTFOUND db', 'ENOTFOUND'), true],
  ['SQLSTATE 08006, connection failure', pgError('connection failure', '08006'), true],
  ['SQLSTATE 57P01, administrator shutdown', pgError('terminating connection due to administrator command', '57P01'), true],
  ['SQLSTATE 57P03, the server is starting', pgError('the database system is starting up', '57P03'), true],
  ['SQLSTATE 53300, no connection slot left', pgError('sorry, too many clients already', '53300'), true],
  ['a unique violation is a refusal, not an outage', pgError('duplicate key value violates unique constraint', '23505'), false],
  ['a statement timeout is the statement, not the database', pgError('canceling statement due to statement timeout', '57014'), false],
  ['a syntax error is a bug', pgError('syntax error at or near "SELEC"', '42601'), false],
  ['an ordinary error', new Error('something else'), false],
  ['not an error at all', 'Connection terminated', false],
  ['null', null, false],
];

for (const [what, error, outage] of ROWS) {
  it(`${what}: ${outage ? 'an outage (503)' : 'not an outage'}`, () => {
    assert.equal(isPostgresOutage(error), outage);
  });
}
