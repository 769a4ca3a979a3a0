import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { CLI_CONTEXT } from '../../src/core/audit/audit-trail.js';
import type { ApiScope } from '../../src/core/keys/scopes.js';
import { generateVapidKeys, openKeys } from '../../src/main.js';
import { startApnsMock, type ApnsMock } from '../mocks/apns/mock.js';
import { startFcmMock, type FcmMock } from '../mocks/fcm/mock.js';
import { startHmsMock, type HmsMock } from '../mocks/hms/hms-mock.js';
import { testCertificate } from '../mocks/tls.js';
import { startWebPushMock, type WebPushMock } from '../mocks/webpush/webpush-mock.js';
import { startTestServer, type TestServer } from './server.js';
import type { Clock } from '../../src/ports/clock.js';

export const APNS_KEY_ID = 'ABC1234567';
export const APNS_TEAM_ID = 'TEAM123456';
export const BUNDLE_ID = 'com.example.herald';

export interface PushRig {
  server: TestServer;
  apns: ApnsMock;
  fcm: FcmMock;
  hms: HmsMock;
  webpush: WebPushMock;
  /** `Bearer hk_…` of a key with every scope. */
  admin: string;
  vapidPublicKey: string;
  /** A key with just these scopes. */
  key(scopes: ApiScope[], categories?: string[]): Promise<string>;
  /** Stops the APNs mock: its port refuses connections until apnsUp(). */
  apnsDown(): Promise<void>;
  /** Starts a fresh APNs mock on the same port, with the same key, bundle id and certificate; `apns` is then that one. */
  apnsUp(): Promise<ApnsMock>;
  call(method: string, path: string, body?: unknown, auth?: string, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; json: any }>;
  close(): Promise<void>;
}

/** Every provider mock, and a real server configured with one app per provider pointing at them. */
export async function startPushRig(flags: Record<string, string> = {}, options: { fcmDelayMs?: number; clock?: Clock; apnsApp?: Record<string, unknown> } = {}): Promise<PushRig> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-push-'));
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(join(dir, 'AuthKey.p8'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const apnsOptions = { token: { publicKey, keyId: APNS_KEY_ID, teamId: APNS_TEAM_ID }, bundleId: BUNDLE_ID };
  let apns: ApnsMock | undefined = await startApnsMock(apnsOptions);
  const apnsPort = apns.port;
  const fcm = await startFcmMock({ delayMs: options.fcmDelayMs ?? 0 });
  const hms = await startHmsMock();
  // A push service on the server's clock: VAPID tokens signed after a jump ahead stay valid there.
  const clock = options.clock;
  const webpush = await startWebPushMock(clock ? { now: () => clock.now() } : {});
  writeFileSync(join(dir, 'ca.pem'), testCertificate().cert);
  writeFileSync(join(dir, 'service-account.json'), JSON.stringify(fcm.serviceAccount));
  const vapid = generateVapidKeys();
  const webpushHost = new URL(webpush.url).host;
  const server = await startTestServer({
    apns: JSON.stringify([{ name: 'default', 'bundle-id': BUNDLE_ID, 'base-url': apns.url, 'key-file': join(dir, 'AuthKey.p8'), 'key-id': APNS_KEY_ID, 'team-id': APNS_TEAM_ID, 'ca-file': join(dir, 'ca.pem'), ...options.apnsApp }]),
    fcm: JSON.stringify([{ name: 'default', 'service-account-file': join(dir, 'service-account.json'), 'base-url': fcm.url, 'ca-file': join(dir, 'ca.pem') }]),
    hms: JSON.stringify([{ name: 'default', 'app-id': hms.appId, 'client-id': hms.clientId, 'client-secret': hms.clientSecret, 'base-url': hms.url, 'token-url': hms.tokenUrl, 'ca-file': join(dir, 'ca.pem') }]),
    'web-push-public-key': vapid.publicKey,
    'web-push-private-key': vapid.privateKey,
    'web-push-email-address': 'ops@example.com',
    'web-push-endpoint-allowlist': webpushHost,
    'outbound-allowed-hosts': '127.0.0.1',
    'outbound-allow-http': 'true',
    'visitor-request-limit-exempt-hosts': '127.0.0.1,::1',
    // Tests wait by polling the API every 10 ms with one key: its request bucket (600) would run
    // dry on a slow wait. A test of the key limits passes its own.
    'api-key-request-limit-burst': '1000000',
    'push-retry-base': '50ms',
    'push-retry-max': '500ms',
    ...flags,
  }, dir, options.clock ? { clock: options.clock } : {});
  const keysConfig = loadConfig({ env: {}, flags: { 'database-file': join(dir, 'herald.db') } }).config;
  const makeKey = async (scopes: ApiScope[], categories?: string[]) => {
    const keys = await openKeys(keysConfig);
    try {
      const created = await keys.keys.create(CLI_CONTEXT, { name: `test-${scopes.join('-')}`, scopes, ...(categories ? { categories } : {}) });
      return `Bearer ${created.secret}`;
    } finally {
      await keys.close();
    }
  };
  const admin = await makeKey(['admin']);
  return {
    server, fcm, hms, webpush, admin, vapidPublicKey: vapid.publicKey,
    get apns() {
      if (!apns) throw new Error('the APNs mock is down');
      return apns;
    },
    key: makeKey,
    async apnsDown() {
      await apns?.close();
      apns = undefined;
    },
    async apnsUp() {
      apns = await startApnsMock({ ...apnsOptions, port: apnsPort });
      return apns;
    },
    async call(method, path, body, auth = admin, headers = {}) {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers: { ...(auth ? { Authorization: auth } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, headers: res.headers, json: text.trim() ? JSON.parse(text.split('\n')[0]!) : undefined };
    },
    async close() {
      await server.close();
      await Promise.all([apns?.close(), fcm.close(), hms.close(), webpush.close()]);
    },
  };
}

/** Polls until `check` holds. */
export { eventually } from './wait.js';
