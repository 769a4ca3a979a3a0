import { randomBytes } from 'node:crypto';
import { createPostgresDeviceStore } from '../../src/adapters/postgres/devices/index.js';
import type { PostgresDatabase } from '../../src/adapters/postgres/open-postgres.js';
import { randomId } from '../../src/util/ids.js';
import type { SeededDevice } from './seed-devices.js';

export interface SeedPostgresDevicesOptions {
  count: number;
  /** Every device's own topic. */
  topic: string;
  /** Share of FCM devices (the rest are APNs); default none. */
  fcmShare?: number;
  app?: string;
  /** The user of the i-th device; default none. */
  userOf?: (i: number) => string | null;
}

/**
 * PostgreSQL's counterpart of seedDevices: writes `count` active devices subscribed to `topic`
 * straight into the registry's tables, migrated first by opening the store, in multi-row inserts
 * fed by arrays. Then ANALYZE, so the planner sees the audience it will page through (autovacuum
 * would, only later).
 */
export async function seedPostgresDevices(database: PostgresDatabase, options: SeedPostgresDevicesOptions): Promise<SeededDevice[]> {
  await createPostgresDeviceStore({ database });
  const app = options.app ?? 'default';
  const fcmEvery = options.fcmShare ? Math.round(1 / options.fcmShare) : 0;
  const now = Date.now();
  const out: SeededDevice[] = [];
  const CHUNK = 20_000;
  for (let from = 0; from < options.count; from += CHUNK) {
    const ids: string[] = [];
    const providers: string[] = [];
    const tokens: string[] = [];
    const users: (string | null)[] = [];
    for (let i = from; i < Math.min(options.count, from + CHUNK); i++) {
      const provider = fcmEvery > 0 && i % fcmEvery === 0 ? 'fcm' : 'apns';
      const token = provider === 'apns' ? randomBytes(32).toString('hex') : `fcm-${randomBytes(24).toString('base64url')}`;
      const id = `dev_${randomId(16)}`;
      ids.push(id);
      providers.push(provider);
      tokens.push(token);
      users.push(options.userOf?.(i) ?? null);
      out.push({ id, provider, token });
    }
    await database.pool.query(
      `INSERT INTO devices (id, app, provider, platform, token, "user", meta, state, created_at, updated_at, last_seen_at)
       SELECT id, $5, provider, CASE provider WHEN 'apns' THEN 'ios' ELSE 'android' END, token, "user", '{}', 'active', $6, $6, $6
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS s(id, provider, token, "user")`,
      [ids, providers, tokens, users, app, now]);
    await database.pool.query('INSERT INTO device_topics (device_id, topic) SELECT unnest($1::text[]), $2', [ids, options.topic]);
  }
  await database.pool.query('ANALYZE devices, device_topics, user_topics');
  return out;
}
