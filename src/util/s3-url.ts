/**
 * `attachment-s3-url`: where attachments live in an S3-compatible store, written as one URL.
 *
 *     s3://ACCESS_KEY_ID:SECRET_ACCESS_KEY@HOST[:PORT]/BUCKET[/PREFIX][?region=REGION&path-style=false]
 *
 * - `s3://` talks HTTPS; `s3+http://` talks plain HTTP (a MinIO or test server on a private
 *   network: the keys sign each request, but the files travel in the clear).
 * - The access key id and secret are percent-encoded like any URL user info (a `/` in a secret is
 *   `%2F`, a `+` is `%2B`).
 * - PREFIX, when given, is put before every object key (`herald/` → `herald/<id>`), so a bucket
 *   can hold other things too.
 * - `region` is the bucket's region, part of every signature (default `us-east-1`, which MinIO and
 *   most S3-compatible servers expect).
 * - `path-style=true` (the default) addresses `HOST/BUCKET/KEY`, which every S3-compatible server
 *   understands; `path-style=false` addresses `BUCKET.HOST/KEY` (virtual-hosted style).
 */
export interface S3Location {
  /** Scheme, host and port: `https://s3.eu-west-1.amazonaws.com`. */
  endpoint: string;
  bucket: string;
  /** Empty, or ends with `/`. */
  prefix: string;
  region: string;
  pathStyle: boolean;
  accessKeyId: string;
  secretAccessKey: string;
}

export const S3_URL_EXAMPLE = 's3://ACCESS_KEY_ID:SECRET@s3.us-east-1.amazonaws.com/bucket[/prefix][?region=us-east-1]';

// S3's bucket naming rule (3-63 lower-case letters, digits, dots and hyphens).
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PREFIX = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;
const REGION = /^[a-z0-9][a-z0-9-]{0,62}$/;

export type S3UrlResult = { ok: true; location: S3Location } | { ok: false; expected: string };

/** Reads an `attachment-s3-url`; a failure says what was expected, never echoing the secret. */
export function parseS3Url(text: string): S3UrlResult {
  const fail = (why: string): S3UrlResult => ({ ok: false, expected: `${why} (${S3_URL_EXAMPLE}; s3+http:// for plain HTTP)` });
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return fail('an S3 URL');
  }
  const scheme = url.protocol === 's3:' ? 'https' : url.protocol === 's3+http:' ? 'http' : undefined;
  if (!scheme) return fail('an s3:// or s3+http:// URL');
  if (url.hostname === '') return fail('an S3 URL with a host');
  let accessKeyId: string;
  let secretAccessKey: string;
  try {
    accessKeyId = decodeURIComponent(url.username);
    secretAccessKey = decodeURIComponent(url.password);
  } catch {
    return fail('percent-encoded credentials');
  }
  if (accessKeyId === '' || secretAccessKey === '') return fail('an S3 URL with ACCESS_KEY_ID:SECRET before the host');
  const [bucket = '', ...rest] = url.pathname.replace(/^\/+/, '').replace(/\/+$/, '').split('/');
  if (!BUCKET.test(bucket)) return fail('an S3 URL whose path starts with a bucket name (3-63 lower-case letters, digits, dots, hyphens)');
  const prefix = rest.join('/');
  if (prefix !== '' && !PREFIX.test(prefix)) return fail('a key prefix of letters, digits, dots, hyphens and underscores, in /-separated parts');
  let region = 'us-east-1';
  let pathStyle = true;
  for (const [name, value] of url.searchParams) {
    if (name === 'region') {
      if (!REGION.test(value)) return fail('a region such as us-east-1');
      region = value;
    } else if (name === 'path-style') {
      if (value !== 'true' && value !== 'false') return fail('path-style=true or path-style=false');
      pathStyle = value === 'true';
    } else {
      return fail(`only the parameters region and path-style, not '${name}'`);
    }
  }
  if (!pathStyle && /^[\d.]+$|^\[/.test(url.hostname)) return fail('path-style=true with an IP address for a host');
  if (!pathStyle && bucket.includes('.') && scheme === 'https') {
    // BUCKET.HOST with a dot in the bucket does not match the server's wildcard certificate.
    return fail('path-style=true for a bucket name with dots over HTTPS');
  }
  return {
    ok: true,
    location: { endpoint: `${scheme}://${url.host}`, bucket, prefix: prefix === '' ? '' : `${prefix}/`, region, pathStyle, accessKeyId, secretAccessKey },
  };
}

/** The location without its credentials, for logs: `s3://host/bucket/prefix/`. */
export function describeS3Location(location: S3Location): string {
  const scheme = location.endpoint.startsWith('http:') ? 's3+http' : 's3';
  return `${scheme}://${location.endpoint.replace(/^https?:\/\//, '')}/${location.bucket}/${location.prefix}`;
}
