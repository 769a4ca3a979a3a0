import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { centrifugoError } from '../../src/http/centrifugo/transport.js';
import { ERROR_CODES, HeraldError, type ErrorName } from '../../src/errors/index.js';

describe('Centrifugo error codes', () => {
  it('maps Herald errors onto Centrifugo codes and transport statuses', () => {
    const cases: Array<[ErrorName, number, number]> = [
      ['internal', 100, 500],
      ['databaseUnavailable', 100, 500],
      ['unauthorized', 101, 401],
      ['scopeMissing', 103, 403],
      ['deviceNotFound', 104, 404],
      ['notFound', 104, 404],
      ['tooManyRequests', 106, 429],
      ['badRequest', 107, 400],
      ['jsonInvalid', 107, 400],
      ['deviceTokenInvalid', 107, 400],
      ['jsonBodyTooLarge', 107, 400],
      ['appUnknown', 108, 400],
      ['webPushDisabled', 108, 400],
      ['deviceOwnerMismatch', 113, 409],
    ];
    for (const [name, code, http] of cases) {
      const mapped = centrifugoError(new HeraldError(name));
      assert.deepEqual([mapped.code, mapped.http], [code, http], name);
    }
  });

  it('gives every registered error a Centrifugo code, and hides the cause of internal ones', () => {
    for (const name of Object.keys(ERROR_CODES) as ErrorName[]) {
      const mapped = centrifugoError(new HeraldError(name, { detail: 'secret detail' }));
      assert.ok([100, 101, 103, 104, 106, 107, 108, 113].includes(mapped.code), name);
      if (mapped.code === 100) assert.equal(mapped.message, 'internal server error');
      else assert.match(mapped.message, /secret detail/);
    }
  });
});
