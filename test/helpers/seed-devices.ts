import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { openHeraldDatabase } from '../../src/adapters/sqlite/herald-db/open-herald-db.js';
import { randomId } from '../../src/util/ids.js';

export interface SeededDevice {
  id: string;
  provider: 'apns' | 'fcm';
  token: string;
}

/**
 * Writes `count` active devices subscribed to `topic` straight into Herald's database, for tests
 * and benchmarks that need an audience of tens of thousands to a million (registering them one
 * API call at a time would dominate the run). The schema comes from the real migrations, run by
 * opening the database once; rows are inserted in large transactions.
 */
export async function seedDevices(file: string, options: { count: number; topic: string; fcmShare?: number; app?: string; locales?: readonly (string | null)[] }): Promise<SeededDevice[]> {
  await (await openHeraldDatabase({ file })).close();
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const device = db.prepare(`INSERT INTO devices (id, app, provider, platform, token, p256dh, auth, user, locale, timezone, meta, state, invalid_reason, created_at, updated_at, last_seen_at)
    VALUES (?, ?, ?, ?, ?, NULL, NULL, NULL, ?, NULL, '{}', 'active', NULL, ?, ?, ?)`);
  const topic = db.prepare('INSERT INTO device_topics (device_id, topic) VALUES (?, ?)');
  const app = options.app ?? 'default';
  const fcmEvery = options.fcmShare ? Math.round(1 / options.fcmShare) : 0;
  const out: SeededDevice[] = [];
  const now = Date.now();
  const insert = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const provider = fcmEvery > 0 && i % fcmEvery === 0 ? 'fcm' : 'apns';
      const token = provider === 'apns' ? randomBytes(32).toString('hex') : `fcm-${randomBytes(24).toString('base64url')}`;
      const id = `dev_${randomId(16)}`;
      // Locales, when given, go round-robin: a mix of languages (and devices with none) in every page.
      const locale = options.locales?.length ? options.locales[i % options.locales.length] ?? null : null;
      device.run(id, app, provider, provider === 'apns' ? 'ios' : 'android', token, locale, now, now, now);
      topic.run(id, options.topic);
      out.push({ id, provider, token });
    }
  });
  for (let i = 0; i < options.count; i += 50_000) insert(i, Math.min(options.count, i + 50_000));
  db.close();
  return out;
}
