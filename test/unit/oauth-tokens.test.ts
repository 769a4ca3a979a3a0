import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, verify } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createFcmAccessToken, parseServiceAccount } from '../../src/adapters/providers/fcm/access-token.js';
import { createHmsAccessToken } from '../../src/adapters/providers/hms/access-token.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
let server: Server;
let base = '';
const requests: { path: string; form: URLSearchParams }[] = [];
let issued = 0;

before(async () => {
  // A token endpoint that checks what Google's and Huawei's would: the grant and, for FCM, the signed assertion.
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      requests.push({ path: req.url ?? '', form });
      if (req.url === '/google/token') {
        const [h, c, s] = (form.get('assertion') ?? '').split('.');
        const ok = form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:jwt-bearer' && verify('sha256', Buffer.from(`${h}.${c}`), publicKey, Buffer.from(s ?? '', 'base64url'));
        if (!ok) return void res.writeHead(400).end('{"error":"invalid_grant"}');
      } else if (form.get('grant_type') !== 'client_credentials' || form.get('client_secret') !== 's3cret') {
        return void res.writeHead(401).end('{"error":"invalid_client"}');
      }
      issued++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: `token-${issued}`, expires_in: 3600, token_type: 'Bearer' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

test('FCM: a signed RS256 assertion with the messaging scope, exchanged once and cached until shortly before expiry', async () => {
  let now = Date.UTC(2026, 10, 23, 12);
  const account = parseServiceAccount({ project_id: 'p', client_email: 'svc@p.iam.gserviceaccount.com', private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }), token_uri: `${base}/google/token` });
  const token = createFcmAccessToken(account, { now: () => now });
  const first = await Promise.all([token.get(), token.get(), token.get()]);
  assert.deepEqual(new Set(first).size, 1, 'concurrent callers share one exchange');
  const fcmRequests = requests.filter((r) => r.path === '/google/token');
  assert.equal(fcmRequests.length, 1);
  const claims = JSON.parse(Buffer.from(fcmRequests[0]!.form.get('assertion')!.split('.')[1]!, 'base64url').toString());
  assert.deepEqual(claims, { iss: 'svc@p.iam.gserviceaccount.com', scope: 'https://www.googleapis.com/auth/firebase.messaging', aud: `${base}/google/token`, iat: now / 1000, exp: now / 1000 + 3600 });
  now += 50 * 60_000;
  assert.equal(await token.get(), first[0], 'still cached at 50 minutes');
  now += 6 * 60_000;
  assert.notEqual(await token.get(), first[0], 'renewed within the last 5 minutes');
  const before = await token.get();
  token.invalidate();
  assert.notEqual(await token.get(), before, 'a refused token is replaced');
  assert.throws(() => parseServiceAccount({ project_id: 'p' }), /missing client_email, private_key, token_uri/);
});

test('HMS: client-credentials grant; a refused grant is a clear error', async () => {
  const token = createHmsAccessToken({ clientId: 'app', clientSecret: 's3cret', tokenUrl: `${base}/huawei/token` }, { now: () => 0 });
  assert.match(await token.get(), /^token-\d+$/);
  const form = requests.filter((r) => r.path === '/huawei/token')[0]!.form;
  assert.equal(form.get('grant_type'), 'client_credentials');
  assert.equal(form.get('client_id'), 'app');
  const wrong = createHmsAccessToken({ clientId: 'app', clientSecret: 'nope', tokenUrl: `${base}/huawei/token` }, { now: () => 0 });
  await assert.rejects(wrong.get(), /hms: token endpoint answered 401/);
});
