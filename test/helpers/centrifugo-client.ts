import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import type { ApiScope } from '../../src/core/keys/scopes.js';
import type { Clock } from '../../src/ports/clock.js';
import { startPushRig, type PushRig } from './push-rig.js';

export const fcmToken = (): string => `fcm-${randomBytes(24).toString('base64url')}`;
export const centrifugoUser = (): string => `u-${randomBytes(6).toString('hex')}`;

export interface CentrifugoClient {
  /** A call as a Centrifugo backend makes it: JSON body, key in X-API-Key (unless `headers` say otherwise). */
  api(method: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; json: any }>;
  /** The `result` of a call that must succeed. */
  result(method: string, body: unknown): Promise<any>;
}

/** `key()` is read per call: tests make their key in `before`, after the client is built. */
export function centrifugoClient(rig: () => PushRig, key: () => string): CentrifugoClient {
  const api: CentrifugoClient['api'] = async (method, body, headers = { 'X-API-Key': key() }) => {
    const res = await rig().call('POST', `/api/${method}`, body, '', headers);
    return { status: res.status, json: res.json };
  };
  return {
    api,
    async result(method, body) {
      const res = await api(method, body);
      assert.equal(res.status, 200, JSON.stringify(res.json));
      assert.ok(res.json.result, JSON.stringify(res.json));
      return res.json.result;
    },
  };
}

/**
 * A push rig for one test file, started and closed by its `before`/`after` hooks, and a
 * Centrifugo backend's key with `scopes` on it. `rig` and `key` are there once `before` ran.
 */
export function centrifugoBackend(scopes: ApiScope[], options: { clock?: Clock } = {}): CentrifugoClient & { readonly rig: PushRig; readonly key: string } {
  let rig: PushRig | undefined;
  let key = '';
  before(async () => {
    rig = await startPushRig({}, options);
    key = (await rig.key(scopes)).slice('Bearer '.length);
  });
  after(() => rig?.close());
  const client = centrifugoClient(() => rig!, () => key);
  return {
    ...client,
    get rig() {
      if (!rig) throw new Error('the rig starts in before()');
      return rig;
    },
    get key() {
      return key;
    },
  };
}
