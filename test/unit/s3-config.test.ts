import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseListPage, parseErrorBody } from '../../src/adapters/s3/s3-xml.js';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { describeS3Location, parseS3Url } from '../../src/util/s3-url.js';

describe('attachment-s3-url', () => {
  it('reads credentials, host, bucket, prefix and parameters', () => {
    const parsed = parseS3Url('s3://AKIAEXAMPLE:se%2Fcr%2Bet@s3.eu-west-1.amazonaws.com/my-bucket/herald/files?region=eu-west-1');
    assert.deepEqual(parsed, {
      ok: true,
      location: {
        endpoint: 'https://s3.eu-west-1.amazonaws.com', bucket: 'my-bucket', prefix: 'herald/files/', region: 'eu-west-1', pathStyle: true,
        accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'se/cr+et',
      },
    });
  });

  it('s3+http:// talks plain HTTP; defaults: no prefix, us-east-1, path-style', () => {
    const parsed = parseS3Url('s3+http://minio:minio123@127.0.0.1:9000/attachments/');
    assert.ok(parsed.ok);
    assert.equal(parsed.location.endpoint, 'http://127.0.0.1:9000');
    assert.equal(parsed.location.prefix, '');
    assert.equal(parsed.location.region, 'us-east-1');
    assert.equal(parsed.location.pathStyle, true);
    assert.equal(describeS3Location(parsed.location), 's3+http://127.0.0.1:9000/attachments/');
    const hosted = parseS3Url('s3://k:s@s3.amazonaws.com/bucket?path-style=false');
    assert.ok(hosted.ok);
    assert.equal(hosted.location.pathStyle, false);
  });

  const refused: [string, string, RegExp][] = [
    ['another scheme', 'https://k:s@host/bucket', /s3:\/\/ or s3\+http:\/\//],
    ['no credentials', 's3://host/bucket', /ACCESS_KEY_ID:SECRET before the host/],
    ['no bucket', 's3://k:s@host/', /bucket name/],
    ['a bucket name S3 refuses', 's3://k:s@host/My_Bucket', /bucket name/],
    ['a prefix with odd characters', 's3://k:s@host/bucket/a b', /key prefix/],
    ['an unknown parameter', 's3://k:s@host/bucket?tls=no', /only the parameters region and path-style, not 'tls'/],
    ['a bad path-style', 's3://k:s@host/bucket?path-style=yes', /path-style=true or path-style=false/],
    ['a bad region', 's3://k:s@host/bucket?region=EU%20West', /region/],
    ['virtual-hosted style on an IP address', 's3+http://k:s@10.0.0.5:9000/bucket?path-style=false', /path-style=true with an IP address/],
    ['a dotted bucket in virtual-hosted style over HTTPS', 's3://k:s@host/my.bucket?path-style=false', /path-style=true/],
  ];
  for (const [what, url, expected] of refused) {
    it(`refuses ${what}`, () => {
      const parsed = parseS3Url(url);
      assert.equal(parsed.ok, false);
      if (!parsed.ok) assert.match(parsed.expected, expected);
    });
  }

  it('set, it replaces the default attachment directory', () => {
    const { config } = loadConfig({ env: {}, flags: { 'attachment-s3-url': 's3://k:s@host/bucket' } });
    assert.equal(config.attachmentS3Url, 's3://k:s@host/bucket');
    assert.equal(config.attachmentCacheDir, '');
    const { config: fromEnv } = loadConfig({ env: { HERALD_ATTACHMENT_S3_URL: 's3://k:s@host/bucket', HERALD_ATTACHMENT_CACHE_DIR: '' } });
    assert.equal(fromEnv.attachmentCacheDir, '', 'a directory set to empty is no conflict');
  });

  it('with a directory named too, it is a config error that says to unset one', () => {
    assert.throws(
      () => loadConfig({ env: { HERALD_ATTACHMENT_CACHE_DIR: '/var/lib/herald/attachments' }, flags: { 'attachment-s3-url': 's3://k:s@host/bucket' } }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.violations.length === 1 &&
        err.violations[0]!.name === 'HERALD_ATTACHMENT_CACHE_DIR' &&
        /no attachment directory while attachment-s3-url is set/.test(err.message),
    );
  });

  it('a malformed URL is reported without echoing it, since it holds the secret', () => {
    assert.throws(
      () => loadConfig({ env: {}, flags: { 'attachment-s3-url': 'https://KEYID:topsecret@host/bucket' } }),
      (err: unknown) => err instanceof ConfigError && /--attachment-s3-url/.test(err.message) && !err.message.includes('topsecret'),
    );
  });
});

describe('S3 XML', () => {
  it('reads a list page: keys decoded, sizes, times, truncation', () => {
    const page = parseListPage(`<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>p/</Prefix><IsTruncated>true</IsTruncated>
<Contents><Key>p/a&amp;b</Key><LastModified>2026-01-02T03:04:05.000Z</LastModified><ETag>&quot;x&quot;</ETag><Size>42</Size></Contents>
<Contents><Key>p/c</Key><LastModified>2026-01-02T03:04:06.000Z</LastModified><Size>0</Size></Contents>
<Contents><Key>p/broken</Key><Size>none</Size></Contents></ListBucketResult>`);
    assert.deepEqual(page, {
      objects: [
        { key: 'p/a&b', size: 42, lastModified: Date.UTC(2026, 0, 2, 3, 4, 5) },
        { key: 'p/c', size: 0, lastModified: Date.UTC(2026, 0, 2, 3, 4, 6) },
      ],
      truncated: true,
    });
    assert.deepEqual(parseListPage('<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>'), { objects: [], truncated: false });
  });

  it('reads the code and message of an error body', () => {
    assert.deepEqual(parseErrorBody('<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message></Error>'), { code: 'NoSuchBucket', message: 'The specified bucket does not exist' });
    assert.deepEqual(parseErrorBody('not xml'), {});
  });
});
