import { HeraldError } from '../../errors/index.js';
import type { ApiKeyRecord, ApiKeyStore } from '../../ports/api-key-store.js';
import type { Clock } from '../../ports/clock.js';
import { secretHash, secretsEqual } from '../../util/constant-time.js';
import { randomId } from '../../util/ids.js';
import type { AuditContext, AuditTrail } from '../audit/audit-trail.js';
import { assertGrantable, type KeyIssuer } from './grants.js';
import type { ApiScope } from './scopes.js';

export const API_KEY_PREFIX = 'hk_';
const SECRET_LENGTH = 40;
const KEY_SHAPE = /^hk_[A-Za-z0-9]{40}$/;
/** Last-use times are written at most this often per key. */
const TOUCH_MS = 60_000;

export interface NewApiKey {
  key: ApiKeyRecord;
  /** The secret, shown once; only its hash is stored. */
  secret: string;
}

/** API keys of the /v1 APIs: created, listed, revoked and rotated; presented as `Bearer hk_…`. */
export class ApiKeyService {
  readonly #store: ApiKeyStore;
  readonly #clock: Clock;
  readonly #audit: AuditTrail;

  constructor(store: ApiKeyStore, clock: Clock, audit: AuditTrail) {
    this.#store = store;
    this.#clock = clock;
    this.#audit = audit;
  }

  static looksLikeKey(token: string): boolean {
    return token.startsWith(API_KEY_PREFIX);
  }

  /** `issuer` is the API key asking, when one does: it may only grant what it holds (403 otherwise). */
  async create(ctx: AuditContext, options: { name: string; scopes: ApiScope[]; categories?: string[]; expiresMs?: number }, issuer?: KeyIssuer): Promise<NewApiKey> {
    const name = options.name.trim();
    if (!name || name.length > 100) throw new HeraldError('badRequest', { detail: 'a key needs a name of 1 to 100 characters' });
    const expiresAt = options.expiresMs !== undefined && options.expiresMs > 0 ? this.#clock.now() + options.expiresMs : undefined;
    assertGrantable(issuer, options.scopes, options.categories ?? [], expiresAt);
    const created = await this.#issue(name, options.scopes, options.categories ?? [], options.expiresMs);
    await this.#audit.record(ctx, 'key.create', created.key.id, { name, scopes: created.key.scopes, categories: created.key.categories, expires: created.key.expires });
    return created;
  }

  /** Checks a presented secret; 401 for unknown, revoked or expired keys. */
  async authenticate(secret: string): Promise<ApiKeyRecord> {
    if (!KEY_SHAPE.test(secret)) throw new HeraldError('unauthorized');
    const hash = secretHash(secret);
    const key = await this.#store.byHash(hash);
    // The lookup is by hash; comparing again in constant time keeps a store that matched loosely honest.
    if (!key || !secretsEqual(key.secretHash, hash)) throw new HeraldError('unauthorized');
    const nowSec = this.#nowSec();
    if (key.revoked > 0 || (key.expires > 0 && key.expires <= nowSec)) throw new HeraldError('unauthorized');
    if ((nowSec - key.lastUsed) * 1000 >= TOUCH_MS) this.#store.update(key.id, { lastUsed: nowSec }).catch(() => {});
    return key;
  }

  /** The key while it may still be used (not revoked, not expired), for re-checking open streams. */
  async active(id: string): Promise<ApiKeyRecord | undefined> {
    const key = await this.#store.byId(id);
    const nowSec = this.#nowSec();
    return key && key.revoked === 0 && (key.expires === 0 || key.expires > nowSec) ? key : undefined;
  }

  list(): Promise<ApiKeyRecord[]> {
    return this.#store.list();
  }

  async revoke(ctx: AuditContext, id: string): Promise<void> {
    const key = await this.#existing(id);
    if (key.revoked > 0) return;
    await this.#store.update(id, { revoked: this.#nowSec() });
    await this.#audit.record(ctx, 'key.revoke', id, { name: key.name });
  }

  /**
   * Issues a successor with the same name, scopes and categories; the old key keeps working for
   * `overlapMs` so that services can switch over without downtime. An `issuer` key may only
   * rotate keys it could have created: the successor's secret is handed to the caller.
   */
  async rotate(ctx: AuditContext, id: string, overlapMs: number, issuer?: KeyIssuer): Promise<NewApiKey> {
    const old = await this.#existing(id);
    if (old.revoked > 0) throw new HeraldError('badRequest', { detail: 'a revoked key cannot be rotated' });
    assertGrantable(issuer, old.scopes, old.categories, old.expires > 0 ? old.expires * 1000 : undefined);
    const remaining = old.expires > 0 ? old.expires * 1000 - this.#clock.now() : undefined;
    const next = await this.#issue(old.name, old.scopes as ApiScope[], old.categories, remaining);
    const overlapEnd = Math.floor((this.#clock.now() + overlapMs) / 1000);
    await this.#store.update(id, { expires: old.expires > 0 ? Math.min(old.expires, overlapEnd) : overlapEnd });
    await this.#audit.record(ctx, 'key.rotate', id, { successor: next.key.id, overlap_seconds: Math.floor(overlapMs / 1000) });
    return next;
  }

  async #issue(name: string, scopes: ApiScope[], categories: string[], expiresMs: number | undefined): Promise<NewApiKey> {
    const secret = `${API_KEY_PREFIX}${randomId(SECRET_LENGTH)}`;
    const now = this.#clock.now();
    const key: ApiKeyRecord = {
      id: `key_${randomId(12)}`,
      name,
      secretHash: secretHash(secret),
      prefix: secret.slice(0, 10),
      scopes: [...scopes],
      categories: [...categories],
      created: Math.floor(now / 1000),
      expires: expiresMs !== undefined && expiresMs > 0 ? Math.floor((now + expiresMs) / 1000) : 0,
      lastUsed: 0,
      revoked: 0,
    };
    await this.#store.add(key);
    return { key, secret };
  }

  async #existing(id: string): Promise<ApiKeyRecord> {
    const key = await this.#store.byId(id);
    if (!key) throw new HeraldError('keyNotFound');
    return key;
  }

  #nowSec(): number {
    return Math.floor(this.#clock.now() / 1000);
  }
}
