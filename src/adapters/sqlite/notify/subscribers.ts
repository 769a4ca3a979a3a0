import type { NotifyStore, SubscriberRecord } from '../../../ports/notify-store.js';
import type { NotifyContext } from './context.js';
import { subscriberOf, type Row } from './schema.js';

/** Subscriber profiles and their preferences. */
export function prepareSubscribers(ctx: NotifyContext): Pick<NotifyStore, 'putSubscriber' | 'getSubscriber' | 'getSubscribers' | 'listSubscribers' | 'setPreferences'> {
  const put = ctx.prepare<Row>(`INSERT INTO subscribers (id, email, phone, name, locale, timezone, webhook_url, data, preferences, created_at, updated_at)
    VALUES (:id, :email, :phone, :name, :locale, :timezone, :webhook_url, :data, NULL, :now, :now)
    ON CONFLICT (id) DO UPDATE SET email = :email, phone = :phone, name = :name, locale = :locale, timezone = :timezone,
      webhook_url = :webhook_url, data = :data, updated_at = :now`);
  const exists = ctx.prepare<[string]>('SELECT 1 FROM subscribers WHERE id = ?');
  const one = ctx.prepare<[string]>('SELECT * FROM subscribers WHERE id = ?');
  const many = ctx.prepare<[string]>('SELECT * FROM subscribers WHERE id IN (SELECT value FROM json_each(?))');
  // instr over lower(): a plain substring test, so % and _ in the search mean themselves.
  const list = ctx.prepare<Row>(`SELECT * FROM subscribers WHERE id > :after AND (:search IS NULL
      OR instr(lower(id), :search) > 0 OR instr(lower(coalesce(email, '')), :search) > 0
      OR instr(lower(coalesce(name, '')), :search) > 0 OR instr(coalesce(phone, ''), :search) > 0)
    ORDER BY id LIMIT :limit`);
  const setPreferences = ctx.prepare<[string, number, string]>('UPDATE subscribers SET preferences = ?, updated_at = ? WHERE id = ?');

  return {
    async putSubscriber(s) {
      return ctx.durable(() => {
        const existed = exists.get(s.id) !== undefined;
        put.run({
          id: s.id, email: s.email ?? null, phone: s.phone ?? null, name: s.name ?? null, locale: s.locale ?? null,
          timezone: s.timezone ?? null, webhook_url: s.webhookUrl ?? null, data: JSON.stringify(s.data), now: s.updatedAt,
        });
        return { created: !existed };
      });
    },
    async getSubscriber(id) {
      const row = one.get(id);
      return row ? subscriberOf(row) : undefined;
    },
    async getSubscribers(ids) {
      const out = new Map<string, SubscriberRecord>();
      if (ids.length === 0) return out;
      for (const row of many.all(JSON.stringify(ids))) out.set(row.id as string, subscriberOf(row));
      return out;
    },
    async listSubscribers(query) {
      const search = query.search ? asciiLower(query.search) : null;
      return list.all({ after: query.after ?? '', search, limit: query.limit }).map(subscriberOf);
    },
    async setPreferences(id, preferences, now) {
      return ctx.durable(() => setPreferences.run(JSON.stringify(preferences), now, id).changes > 0);
    },
  };
}

/** SQLite's lower() folds ASCII only; the search is folded the same way. */
function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (c) => c.toLowerCase());
}
