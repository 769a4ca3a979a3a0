import Database from 'better-sqlite3';
import { createSqliteNotifyStore } from '../../src/adapters/sqlite/notify/sqlite-notify-store.js';
import { decide, parsePreferences, preferencesToJson, type PreferencesJson } from '../../src/core/notify/preferences/index.js';

/** What {@link seedSubscribers} wrote, so a caller knows exactly how many sends to expect. */
export interface SeededSubscribers {
  ids: string[];
  /** Subscribers with a preference document (the rest have none: everything allowed). */
  withPreferences: number;
  /** Of those, with quiet hours that do not cover the seeding time (nor the next three hours). */
  withQuietHours: number;
  /** Of those, with frequency caps that one more send does not reach. */
  withCaps: number;
  /** Subscribers whose preferences suppress `category` on email (global, channel, category or category × channel switch). */
  optedOut: number;
  /** Their ids. */
  optedOutIds: Set<string>;
}

export interface SeedSubscribersOptions {
  count: number;
  /** The category the opt-outs name (and whose e-mail the caps count). */
  category: string;
  /** Every `optOutEvery`-th subscriber opts out of the category's e-mail; default 25 (4 %). */
  optOutEvery?: number;
  /** Every `bareEvery`-th subscriber has no preference document; default 10. */
  bareEvery?: number;
  /** The instant the quiet hours are laid around; default now. */
  nowMs?: number;
  /** Subscriber id of index i; default `sub_<i, 7 digits>`. */
  id?: (i: number) => string;
}

const ZONES = ['UTC', 'Europe/Paris', 'America/New_York', 'America/Los_Angeles', 'Asia/Tokyo', 'Asia/Kolkata', 'Australia/Sydney', 'Pacific/Chatham'];

/**
 * Writes `count` subscribers with e-mail addresses, names, zones and (most of them) preference
 * documents straight into the notify store's tables of the queue file, for benchmarks that need
 * an audience of 100,000 (PUT /v1/subscribers plus PUT …/preferences would be two synced commits
 * each). The schema comes from the store's own migrations, run by opening it once; every
 * preference document goes through `parsePreferences` and is stored in the wire shape the API
 * stores, and the core's `decide()` confirms the opt-out count the mix was built to have.
 */
export async function seedSubscribers(file: string, options: SeedSubscribersOptions): Promise<SeededSubscribers> {
  await (await createSqliteNotifyStore({ file })).close();
  const nowMs = options.nowMs ?? Date.now();
  const optOutEvery = options.optOutEvery ?? 25;
  const bareEvery = options.bareEvery ?? 10;
  const idOf = options.id ?? ((i: number) => `sub_${String(i).padStart(7, '0')}`);
  // Quiet hours from three to six hours ahead of local time: not active now, nor during a run.
  const quietByZone = new Map(ZONES.map((zone) => {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', hour: 'numeric', minute: 'numeric' }).formatToParts(nowMs);
    const minutes = Number(parts.find((p) => p.type === 'hour')!.value) * 60 + Number(parts.find((p) => p.type === 'minute')!.value);
    const clock = (m: number) => {
      const w = ((m % 1440) + 1440) % 1440;
      return `${String(Math.floor(w / 60)).padStart(2, '0')}:${String(w % 60).padStart(2, '0')}`;
    };
    return [zone, { start: clock(minutes + 180), end: clock(minutes + 360) }];
  }));
  const optOuts: unknown[] = [
    { enabled: false },
    { channels: { email: false } },
    { categories: { [options.category]: { enabled: false } } },
    { categories: { [options.category]: { channels: { email: false } } } },
  ];

  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const insert = db.prepare(`INSERT INTO subscribers (id, email, phone, name, locale, timezone, webhook_url, data, preferences, created_at, updated_at)
    VALUES (?, ?, NULL, ?, ?, ?, NULL, ?, ?, ?, ?)`);
  const out: SeededSubscribers = { ids: [], withPreferences: 0, withQuietHours: 0, withCaps: 0, optedOut: 0, optedOutIds: new Set() };
  let suppressedByCore = 0;
  const write = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const id = idOf(i);
      const zone = i % 7 === 6 ? undefined : ZONES[i % ZONES.length]!;
      let wire: PreferencesJson | undefined;
      if (i % optOutEvery === 1) {
        wire = preferencesToJson(parsePreferences(optOuts[Math.floor(i / optOutEvery) % optOuts.length]));
        out.optedOut++;
        out.optedOutIds.add(id);
      } else if (i % bareEvery !== 0) {
        const json: Record<string, unknown> = { channels: i % 5 === 2 ? { sms: false } : {}, categories: i % 4 === 3 ? { marketing: { enabled: false } } : {} };
        if (i % 3 === 0) {
          json.quiet_hours = quietByZone.get(zone ?? 'UTC');
          out.withQuietHours++;
        }
        if (i % 2 === 0) {
          json.frequency_caps = [{ category: options.category, max: 20, per: '1d' }, { max: 100, per: '1h' }];
          out.withCaps++;
        }
        wire = preferencesToJson(parsePreferences(json));
      }
      if (wire) {
        out.withPreferences++;
        const d = decide({ prefs: parsePreferences(wire), category: { name: options.category, critical: false }, channel: 'email', nowMs, ...(zone ? { timezone: zone } : {}), recentSends: [] });
        if (d.action !== 'send') suppressedByCore++;
      }
      insert.run(id, `user${i}@bench.example.org`, `Subscriber ${i}`, i % 9 === 4 ? 'fr' : 'en', zone ?? null,
        JSON.stringify({ plan: i % 3 === 0 ? 'pro' : 'free' }), wire ? JSON.stringify(wire) : null, nowMs, nowMs);
      out.ids.push(id);
    }
  });
  try {
    for (let i = 0; i < options.count; i += 20_000) write(i, Math.min(options.count, i + 20_000));
  } finally {
    db.close();
  }
  if (suppressedByCore !== out.optedOut) {
    throw new Error(`seed-subscribers: built ${out.optedOut} opt-outs but decide() suppresses or defers ${suppressedByCore}`);
  }
  return out;
}
