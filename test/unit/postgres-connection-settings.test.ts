import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { poolSettings, redactedPostgresUrl } from '../../src/adapters/postgres/connection-settings.js';

const URL_BASE = 'postgres://herald:pg-s3cret@db.example:5432/herald';
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('PostgreSQL connection settings', () => {
  it('defaults: pool of 10, 30 s statement timeout, 10 s connect timeout, application name herald, no TLS', () => {
    const settings = poolSettings({ url: URL_BASE });
    assert.equal(settings.connectionString, URL_BASE);
    assert.equal(settings.max, 10);
    assert.equal(settings.statement_timeout, 30_000);
    assert.equal(settings.connectionTimeoutMillis, 10_000);
    assert.equal(settings.application_name, 'herald');
    assert.equal(settings.ssl, false);
    assert.equal(settings.keepAlive, true);
  });

  it('passes the configured pool size and timeouts through; 0 turns the statement timeout off', () => {
    const settings = poolSettings({ url: URL_BASE, poolSize: 25, statementTimeoutMs: 0, connectTimeoutMs: 2500, applicationName: 'worker' });
    assert.deepEqual([settings.max, settings.statement_timeout, settings.connectionTimeoutMillis, settings.application_name], [25, 0, 2500, 'worker']);
  });

  // One row per sslmode: what TLS Herald asks node-postgres for, with and without a CA file.
  const rows: { sslmode?: string; ca?: boolean; tls: false | { verify: boolean; hostname: boolean; ca: boolean } }[] = [
    { tls: false },
    { ca: true, tls: { verify: true, hostname: true, ca: true } },
    { sslmode: 'disable', tls: false },
    { sslmode: 'require', tls: { verify: false, hostname: true, ca: false } },
    { sslmode: 'require', ca: true, tls: { verify: true, hostname: false, ca: true } },
    { sslmode: 'verify-ca', tls: { verify: true, hostname: false, ca: false } },
    { sslmode: 'verify-ca', ca: true, tls: { verify: true, hostname: false, ca: true } },
    { sslmode: 'verify-full', tls: { verify: true, hostname: true, ca: false } },
    { sslmode: 'verify-full', ca: true, tls: { verify: true, hostname: true, ca: true } },
  ];
  for (const row of rows) {
    it(`sslmode=${row.sslmode ?? '(none)'}${row.ca ? ' with a CA file' : ''}`, () => {
      const url = row.sslmode ? `${URL_BASE}?sslmode=${row.sslmode}&application_name=x` : URL_BASE;
      const settings = poolSettings({ url, ...(row.ca ? { ca: CA } : {}) });
      // pg would let sslmode in the URL replace the ssl object, so it is taken out; the rest stays.
      assert.doesNotMatch(String(settings.connectionString), /sslmode/);
      if (row.sslmode) assert.match(String(settings.connectionString), /application_name=x/);
      if (row.tls === false) {
        assert.equal(settings.ssl, false);
        return;
      }
      assert.ok(settings.ssl && typeof settings.ssl === 'object');
      assert.equal(settings.ssl.rejectUnauthorized, row.tls.verify);
      assert.equal(settings.ssl.checkServerIdentity === undefined, row.tls.hostname, 'hostname checked unless verify-ca');
      assert.equal(settings.ssl.ca, row.tls.ca ? CA : undefined);
    });
  }

  it('refuses modes it cannot honour and TLS parameters that would override its own, without showing the password', () => {
    const cases: [string, { ca?: string }, RegExp][] = [
      ['?sslmode=prefer', {}, /sslmode=prefer is not supported/],
      ['?sslmode=allow', {}, /sslmode=allow is not supported/],
      ['?sslmode=sometimes', {}, /unknown sslmode=sometimes/],
      ['?sslmode=disable', { ca: CA }, /database-ca-file is set but database-url says sslmode=disable/],
      ['?sslrootcert=/etc/ca.pem', {}, /sslrootcert is not supported: use sslmode and database-ca-file/],
      ['?ssl=true', {}, /parameter ssl is not supported/],
      ['?sslcert=/c.pem&sslkey=/k.pem', {}, /sslcert is not supported/],
    ];
    for (const [query, extra, message] of cases) {
      assert.throws(() => poolSettings({ url: URL_BASE + query, ...extra }), (err: Error) => {
        assert.ok(err instanceof RangeError);
        assert.match(err.message, message);
        assert.match(err.message, /herald:\*\*\*@db\.example/);
        assert.doesNotMatch(err.message, /pg-s3cret/);
        return true;
      }, query);
    }
  });

  it('redacts the password in the authority and as a parameter', () => {
    assert.equal(redactedPostgresUrl(URL_BASE), 'postgres://herald:***@db.example:5432/herald');
    assert.equal(redactedPostgresUrl('postgres://herald@db/h?password=pg-s3cret&sslmode=require'), 'postgres://herald@db/h?password=***&sslmode=require');
    assert.equal(redactedPostgresUrl('postgres://db/h'), 'postgres://db/h');
    assert.equal(redactedPostgresUrl('not a url :pg-s3cret'), 'postgres://(unparseable URL)');
  });
});
