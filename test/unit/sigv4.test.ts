import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EMPTY_PAYLOAD_HASH, sha256Hex, signRequest, uriEncode, type RequestToSign } from '../../src/adapters/s3/sigv4.js';

// AWS's published Signature Version 4 vectors. A server answers any signing mistake with the same
// SignatureDoesNotMatch, so where AWS publishes the intermediate strings they are compared too:
// they say which step went wrong.

/** The generic test suite (aws-sig-v4-test-suite): its credentials, time and scope. */
const SUITE = {
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
  scope: { region: 'us-east-1', service: 'service' },
  date: new Date('2015-08-30T12:36:00Z'),
  host: 'example.amazonaws.com',
};

/** The worked examples of the S3 documentation (header-based auth, payload in one chunk). */
const S3_DOCS = {
  credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
  scope: { region: 'us-east-1', service: 's3' },
  date: new Date('2013-05-24T00:00:00Z'),
  host: 'examplebucket.s3.amazonaws.com',
};

function suite(request: Omit<RequestToSign, 'host' | 'payloadHash'> & { body?: string }) {
  const { body = '', ...rest } = request;
  return signRequest({ ...rest, host: SUITE.host, payloadHash: sha256Hex(body) }, SUITE.credentials, SUITE.scope, SUITE.date);
}

describe('SigV4: the generic test suite', () => {
  it('get-vanilla, step by step', () => {
    const signed = suite({ method: 'GET', path: '/' });
    assert.equal(signed.canonicalRequest, ['GET', '/', '', 'host:example.amazonaws.com', 'x-amz-date:20150830T123600Z', '', 'host;x-amz-date', EMPTY_PAYLOAD_HASH].join('\n'));
    assert.equal(signed.stringToSign, ['AWS4-HMAC-SHA256', '20150830T123600Z', '20150830/us-east-1/service/aws4_request', 'bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63'].join('\n'));
    assert.equal(
      signed.headers.authorization,
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
    assert.equal(signed.headers['x-amz-date'], '20150830T123600Z');
    assert.equal(signed.headers.host, undefined, 'the HTTP client writes Host itself');
  });

  // name, request, signed headers, signature
  const vectors: [string, Omit<RequestToSign, 'host' | 'payloadHash'> & { body?: string }, string, string][] = [
    ['get-unreserved', { method: 'GET', path: '/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz' }, 'host;x-amz-date', '07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f'],
    ['get-vanilla-query-order-key-case', { method: 'GET', path: '/', query: [['Param2', 'value2'], ['Param1', 'value1']] }, 'host;x-amz-date', 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500'],
    ['get-vanilla-query-order-value', { method: 'GET', path: '/', query: [['Param1', 'value2'], ['Param1', 'value1']] }, 'host;x-amz-date', '5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694'],
    ['get-vanilla-utf8-query', { method: 'GET', path: '/', query: [['\u1234', 'bar']] }, 'host;x-amz-date', '2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04'],
    ['get-header-value-trim', { method: 'GET', path: '/', headers: { 'My-Header1': ' value1', 'My-Header2': '"a   b   c"' } }, 'host;my-header1;my-header2;x-amz-date', 'acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736'],
    ['get-header-value-order', { method: 'GET', path: '/', headers: { 'My-Header1': ['value4', 'value1', 'value3', 'value2'] } }, 'host;my-header1;x-amz-date', '08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01'],
    ['get-header-key-duplicate', { method: 'GET', path: '/', headers: { 'My-Header1': ['value2', 'value2', 'value1'] } }, 'host;my-header1;x-amz-date', 'c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea'],
    ['post-x-www-form-urlencoded', { method: 'POST', path: '/', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'Param1=value1' }, 'content-type;host;x-amz-date', 'ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a'],
  ];
  for (const [name, request, signedHeaders, signature] of vectors) {
    it(name, () => {
      assert.equal(
        suite(request).headers.authorization,
        `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=${signedHeaders}, Signature=${signature}`,
      );
    });
  }

  it('get-vanilla-query-order-key-case: parameters sort by name, then value', () => {
    assert.equal(suite({ method: 'GET', path: '/', query: [['Param2', 'value2'], ['Param1', 'value1']] }).canonicalRequest.split('\n')[2], 'Param1=value1&Param2=value2');
    assert.equal(suite({ method: 'GET', path: '/', query: [['Param1', 'value2'], ['Param1', 'value1']] }).canonicalRequest.split('\n')[2], 'Param1=value1&Param1=value2');
  });
});

describe('SigV4: the S3 documentation examples', () => {
  const s3 = (request: Omit<RequestToSign, 'host'>) => signRequest({ ...request, host: S3_DOCS.host }, S3_DOCS.credentials, S3_DOCS.scope, S3_DOCS.date);

  it('GET Object with a Range, step by step', () => {
    const signed = s3({ method: 'GET', path: '/test.txt', headers: { range: 'bytes=0-9', 'x-amz-content-sha256': EMPTY_PAYLOAD_HASH }, payloadHash: EMPTY_PAYLOAD_HASH });
    assert.equal(
      signed.canonicalRequest,
      ['GET', '/test.txt', '', 'host:examplebucket.s3.amazonaws.com', 'range:bytes=0-9', `x-amz-content-sha256:${EMPTY_PAYLOAD_HASH}`, 'x-amz-date:20130524T000000Z', '', 'host;range;x-amz-content-sha256;x-amz-date', EMPTY_PAYLOAD_HASH].join('\n'),
    );
    assert.equal(signed.stringToSign, ['AWS4-HMAC-SHA256', '20130524T000000Z', '20130524/us-east-1/s3/aws4_request', '7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972'].join('\n'));
    assert.equal(signed.signature, 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
  });

  it('PUT Object: a key with `$`, encoded once, and a signed body', () => {
    const payloadHash = sha256Hex('Welcome to Amazon S3.');
    assert.equal(payloadHash, '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072');
    const signed = s3({
      method: 'PUT', path: `/${uriEncode('test$file.text')}`, payloadHash,
      headers: { date: 'Fri, 24 May 2013 00:00:00 GMT', 'x-amz-storage-class': 'REDUCED_REDUNDANCY', 'x-amz-content-sha256': payloadHash },
    });
    assert.equal(signed.canonicalRequest.split('\n')[1], '/test%24file.text');
    assert.match(signed.headers.authorization!, /SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,/);
    assert.equal(signed.signature, '98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd');
  });

  it('GET Bucket lifecycle: a parameter without a value signs as `lifecycle=`', () => {
    const signed = s3({ method: 'GET', path: '/', query: [['lifecycle', '']], headers: { 'x-amz-content-sha256': EMPTY_PAYLOAD_HASH }, payloadHash: EMPTY_PAYLOAD_HASH });
    assert.equal(signed.canonicalRequest.split('\n')[2], 'lifecycle=');
    assert.equal(signed.signature, 'fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543');
  });

  it('GET Bucket (list objects)', () => {
    const signed = s3({ method: 'GET', path: '/', query: [['prefix', 'J'], ['max-keys', '2']], headers: { 'x-amz-content-sha256': EMPTY_PAYLOAD_HASH }, payloadHash: EMPTY_PAYLOAD_HASH });
    assert.equal(signed.canonicalRequest.split('\n')[2], 'max-keys=2&prefix=J');
    assert.equal(signed.signature, '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7');
  });
});

describe('SigV4: encoding', () => {
  it('percent-encodes everything but the unreserved characters, with upper-case hex', () => {
    assert.equal(uriEncode("a b/c+d=e&f~g_h.i-j!'()*"), 'a%20b%2Fc%2Bd%3De%26f~g_h.i-j%21%27%28%29%2A');
    assert.equal(uriEncode('\u00e9'), '%C3%A9');
  });
});
