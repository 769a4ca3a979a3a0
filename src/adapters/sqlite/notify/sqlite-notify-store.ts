import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type {
  CategoryRecord, ChannelDeliveryRecord, DigestRecord, InboxItem, NotificationRecord, NotifyChannel, NotifyStore, NotifyWriteBatch,
  RecipientPatch, RecipientRecord, SubscriberRecord, SuppressedAddress, TemplateRecord,
} from '../../../ports/notify-store.js';
import { migrateLocked } from '../locked-migrate.js';
import { NO_WRITE_LOCK, type WriteLock } from '../write-lock.js';
import { NOTIFY_MIGRATION_LOCK_TABLE, NOTIFY_MIGRATION_TABLE, notifyMigrations } from './migrations.js';

export interface SqliteNotifyStoreOptions {
  /** The queue file (shared with the queue and the push ledger), or ':memory:'. */
  file: string;
  writeLock?: WriteLock;
}

type Row = Record<string, unknown>;
const PRUNE_BATCH = 5000;

/**
 * The notify store on SQLite, on a connection of its own to the queue file. Ledger writes are not
 * synced (the queue's synced commit that follows each one makes them durable, as for the push
 * ledger); what an operator or a subscriber set (profiles, preferences, categories, templates,
 * erasure) is synced on its own commit, because nothing else may follow it.
 */
export async function createSqliteNotifyStore(options: SqliteNotifyStoreOptions): Promise<NotifyStore> {
  if (options.file !== ':memory:') mkdirSync(dirname(options.file), { recursive: true });
  const sqlite = new Database(options.file, { timeout: 15000 });
  const kysely = new Kysely<unknown>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('busy_timeout = 15000');
    await migrateLocked(sqlite, kysely, { provider: notifyMigrations, migrationTableName: NOTIFY_MIGRATION_TABLE, migrationLockTableName: NOTIFY_MIGRATION_LOCK_TABLE });
  } catch (err) {
    await kysely.destroy();
    throw err;
  }
  const lock = options.writeLock ?? NO_WRITE_LOCK;
  const write = <T>(fn: () => T): T => lock.run(fn);
  const durable = <T>(fn: () => T): T => lock.run(() => {
    sqlite.pragma('synchronous = FULL');
    try {
      return fn();
    } finally {
      sqlite.pragma('synchronous = NORMAL');
    }
  });
  const p = <P extends unknown[] | Row = unknown[], R = Row>(text: string) => sqlite.prepare<P, R>(text);

  const q = {
    putSubscriber: p<Row>(`INSERT INTO subscribers (id, email, phone, name, locale, timezone, webhook_url, data, preferences, created_at, updated_at)
      VALUES (:id, :email, :phone, :name, :locale, :timezone, :webhook_url, :data, NULL, :now, :now)
      ON CONFLICT (id) DO UPDATE SET email = :email, phone = :phone, name = :name, locale = :locale, timezone = :timezone,
        webhook_url = :webhook_url, data = :data, updated_at = :now`),
    subscriberExists: p<[string]>('SELECT 1 FROM subscribers WHERE id = ?'),
    subscriber: p<[string]>('SELECT * FROM subscribers WHERE id = ?'),
    subscribers: p<[string]>('SELECT * FROM subscribers WHERE id IN (SELECT value FROM json_each(?))'),
    setPreferences: p<[string, number, string]>('UPDATE subscribers SET preferences = ?, updated_at = ? WHERE id = ?'),
    deleteSubscriber: p<[string]>('DELETE FROM subscribers WHERE id = ?'),
    putCategory: p<Row>(`INSERT INTO categories (name, description, channels, critical, digest_window_ms, created_at, updated_at)
      VALUES (:name, :description, :channels, :critical, :digest, :created, :updated)
      ON CONFLICT (name) DO UPDATE SET description = :description, channels = :channels, critical = :critical, digest_window_ms = :digest, updated_at = :updated`),
    category: p<[string]>('SELECT * FROM categories WHERE name = ?'),
    categories: p<[]>('SELECT * FROM categories ORDER BY name'),
    deleteCategory: p<[string]>('DELETE FROM categories WHERE name = ?'),
    putTemplate: p<Row>(`INSERT INTO templates (name, definition, created_at, updated_at) VALUES (:name, :definition, :created, :updated)
      ON CONFLICT (name) DO UPDATE SET definition = :definition, updated_at = :updated`),
    template: p<[string]>('SELECT * FROM templates WHERE name = ?'),
    templates: p<[]>('SELECT * FROM templates ORDER BY name'),
    deleteTemplate: p<[string]>('DELETE FROM templates WHERE name = ?'),
    idem: p<[string, string, number]>('SELECT * FROM notifications WHERE actor = ? AND idempotency_key = ? AND created_at >= ? ORDER BY seq DESC LIMIT 1'),
    insertNotification: p<Row>(`INSERT INTO notifications (id, template, category, priority, strategy, channels, data, audience, send_at, expires_at, idempotency_key, actor, created_at, phase)
      VALUES (:id, :template, :category, :priority, :strategy, :channels, :data, :audience, :send_at, :expires_at, :idempotency_key, :actor, :created_at, 'routing') RETURNING *`),
    notification: p<[string]>('SELECT * FROM notifications WHERE id = ?'),
    notificationBySeq: p<[number]>('SELECT * FROM notifications WHERE seq = ?'),
    unrouted: p<[]>("SELECT * FROM notifications WHERE phase = 'routing' ORDER BY seq"),
    advance: p<[string | null, number, number, number]>(`UPDATE notifications SET route_cursor = ?, recipients = recipients + ?,
      phase = CASE WHEN ? AND phase = 'routing' THEN 'routed' ELSE phase END WHERE seq = ?`),
    setPhase: p<[string, number]>('UPDATE notifications SET phase = ? WHERE seq = ?'),
    insertRecipient: p<Row>(`INSERT INTO notify_recipients (notification_seq, subscriber_id, state, reason, plan, created_at, updated_at)
      VALUES (:seq, :subscriber, :state, :reason, :plan, :created, :updated) ON CONFLICT DO NOTHING`),
    recipient: p<[number, string]>('SELECT * FROM notify_recipients WHERE notification_seq = ? AND subscriber_id = ?'),
    updateRecipient: p<Row>(`UPDATE notify_recipients SET state = coalesce(:state, state), reason = CASE WHEN :set_reason THEN :reason ELSE reason END,
      plan = coalesce(:plan, plan), updated_at = :now WHERE notification_seq = :seq AND subscriber_id = :subscriber`),
    recipients: p<[number, string, number]>('SELECT * FROM notify_recipients WHERE notification_seq = ? AND subscriber_id > ? ORDER BY subscriber_id LIMIT ?'),
    recipientCounts: p<[number]>('SELECT state, count(*) AS n FROM notify_recipients WHERE notification_seq = ? GROUP BY state'),
    upsertChannel: p<Row>(`INSERT INTO notify_channels (notification_seq, subscriber_id, channel, state, reason, address, provider_id, attempts, created_at, updated_at, sent_at)
      VALUES (:seq, :subscriber, :channel, :state, :reason, :address, :provider_id, :attempts, :created, :updated, :sent_at)
      ON CONFLICT DO UPDATE SET state = :state, reason = :reason, address = coalesce(:address, address), provider_id = coalesce(:provider_id, provider_id),
        attempts = :attempts, updated_at = :updated, sent_at = coalesce(:sent_at, sent_at)`),
    channel: p<[number, string, string]>('SELECT * FROM notify_channels WHERE notification_seq = ? AND subscriber_id = ? AND channel = ?'),
    channelsOf: p<[number, string]>('SELECT * FROM notify_channels WHERE notification_seq = ? AND subscriber_id IN (SELECT value FROM json_each(?)) ORDER BY subscriber_id, created_at'),
    channelByProvider: p<[string, string]>('SELECT * FROM notify_channels WHERE channel = ? AND provider_id = ? LIMIT 1'),
    recordSend: p<[string, number, string]>('INSERT INTO notify_sends (subscriber_id, at, category) VALUES (?, ?, ?)'),
    sendsSince: p<[string, number]>('SELECT at, category FROM notify_sends WHERE subscriber_id = ? AND at >= ? ORDER BY at'),
    pruneSends: p<[number]>('DELETE FROM notify_sends WHERE at < ?'),
    addInbox: p<Row>(`INSERT INTO inbox (id, subscriber_id, notification_id, category, title, body, url, data, created_at)
      VALUES (:id, :subscriber, :notification, :category, :title, :body, :url, :data, :created) ON CONFLICT (id) DO NOTHING`),
    inboxSeq: p<[string, string]>('SELECT seq FROM inbox WHERE subscriber_id = ? AND id = ?'),
    inboxItem: p<[string, string]>('SELECT * FROM inbox WHERE subscriber_id = ? AND id = ?'),
    updateInbox: p<Row>(`UPDATE inbox SET
        seen_at = CASE WHEN :set_seen THEN :seen ELSE seen_at END,
        read_at = CASE WHEN :set_read THEN :read ELSE read_at END,
        archived_at = CASE WHEN :set_archived THEN :archived ELSE archived_at END
      WHERE subscriber_id = :subscriber AND id = :id`),
    readAll: p<[number, number, string]>('UPDATE inbox SET read_at = ?, seen_at = coalesce(seen_at, ?) WHERE subscriber_id = ? AND read_at IS NULL AND archived_at IS NULL'),
    unread: p<[string]>('SELECT count(*) AS n FROM inbox WHERE subscriber_id = ? AND read_at IS NULL AND archived_at IS NULL'),
    digest: p<[string, string]>('SELECT * FROM digests WHERE subscriber_id = ? AND category = ?'),
    openDigest: p<[string, string, number, number, string]>('INSERT INTO digests (subscriber_id, category, carrier_seq, flush_at, events) VALUES (?, ?, ?, ?, ?)'),
    appendDigest: p<[string, string, string]>('UPDATE digests SET events = json_insert(events, \'$[#]\', json(?)) WHERE subscriber_id = ? AND category = ?'),
    deleteDigest: p<[string, string]>('DELETE FROM digests WHERE subscriber_id = ? AND category = ?'),
    suppress: p<[string, string, string, number]>(`INSERT INTO suppressed_addresses (address, kind, reason, at) VALUES (?, ?, ?, ?)
      ON CONFLICT (address) DO UPDATE SET kind = excluded.kind, reason = excluded.reason, at = excluded.at`),
    suppressed: p<[string]>('SELECT * FROM suppressed_addresses WHERE address = ?'),
    oldNotifications: p<[number, number]>('SELECT seq FROM notifications WHERE created_at < ? ORDER BY seq LIMIT ?'),
  };

  const eraseStatements = [
    'DELETE FROM notify_channels WHERE subscriber_id = ?',
    'DELETE FROM notify_recipients WHERE subscriber_id = ?',
    'DELETE FROM notify_sends WHERE subscriber_id = ?',
    'DELETE FROM inbox WHERE subscriber_id = ?',
    'DELETE FROM digests WHERE subscriber_id = ?',
  ].map((s) => sqlite.prepare<[string]>(s));
  // A notification sent to listed subscribers names them in its audience; erasure takes the id out.
  const audiencesNaming = sqlite.prepare<[string]>(
    `SELECT seq, audience FROM notifications WHERE audience LIKE '{"subscribers":%' AND EXISTS (SELECT 1 FROM json_each(audience, '$.subscribers') WHERE value = ?)`);
  const setAudience = sqlite.prepare<[string, number]>('UPDATE notifications SET audience = ? WHERE seq = ?');
  const clearCursor = sqlite.prepare<[string]>('UPDATE notifications SET route_cursor = NULL WHERE route_cursor = ?');
  const deleteSuppression = sqlite.prepare<[string]>('DELETE FROM suppressed_addresses WHERE address = ?');

  const eraseTx = sqlite.transaction((id: string): boolean => {
    const row = q.subscriber.get(id);
    for (const s of eraseStatements) s.run(id);
    for (const n of audiencesNaming.all(id) as { seq: number; audience: string }[]) {
      const audience = JSON.parse(n.audience) as { subscribers: string[] };
      setAudience.run(JSON.stringify({ subscribers: audience.subscribers.filter((s) => s !== id) }), n.seq);
    }
    clearCursor.run(id);
    if (row) {
      for (const address of [row.email, row.phone, row.webhook_url]) {
        if (typeof address !== 'string') continue;
        // E-mail suppressions are kept lowercased.
        deleteSuppression.run(address);
        deleteSuppression.run(address.toLowerCase());
      }
    }
    return q.deleteSubscriber.run(id).changes > 0;
  });

  const upsertChannelRow = (c: ChannelDeliveryRecord) => q.upsertChannel.run({
    seq: c.notificationSeq, subscriber: c.subscriberId, channel: c.channel, state: c.state, reason: c.reason ?? null,
    address: c.address ?? null, provider_id: c.providerId ?? null, attempts: c.attempts, created: c.createdAt, updated: c.updatedAt, sent_at: c.sentAt ?? null,
  });
  const updateRecipientRow = (seq: number, subscriberId: string, patch: RecipientPatch, now: number) => q.updateRecipient.run({
    seq, subscriber: subscriberId, state: patch.state ?? null, set_reason: 'reason' in patch ? 1 : 0, reason: patch.reason ?? null,
    plan: patch.plan ? JSON.stringify(patch.plan) : null, now,
  });
  const writeBatchTx = sqlite.transaction((batch: NotifyWriteBatch, now: number) => {
    for (const c of batch.channels ?? []) upsertChannelRow(c);
    for (const r of batch.recipients ?? []) updateRecipientRow(r.seq, r.subscriberId, r.patch, now);
    for (const x of batch.sends ?? []) q.recordSend.run(x.subscriberId, x.at, x.category);
  });

  const addRecipientsTx = sqlite.transaction((seq: number, recipients: readonly RecipientRecord[], cursor: string | undefined, done: boolean): number => {
    let added = 0;
    for (const r of recipients) {
      added += q.insertRecipient.run({ seq, subscriber: r.subscriberId, state: r.state, reason: r.reason ?? null, plan: JSON.stringify(r.plan), created: r.createdAt, updated: r.updatedAt }).changes;
    }
    q.advance.run(cursor ?? null, added, done ? 1 : 0, seq);
    return added;
  });

  const digestTx = sqlite.transaction((subscriberId: string, category: string, event: string, open: { carrierSeq: number; flushAt: number }) => {
    const existing = q.digest.get(subscriberId, category);
    if (existing) {
      q.appendDigest.run(event, subscriberId, category);
      return { opened: false, digest: digestOf(q.digest.get(subscriberId, category)!) };
    }
    q.openDigest.run(subscriberId, category, open.carrierSeq, open.flushAt, `[${event}]`);
    return { opened: true, digest: digestOf(q.digest.get(subscriberId, category)!) };
  });
  const takeDigestTx = sqlite.transaction((subscriberId: string, category: string, carrierSeq: number) => {
    const row = q.digest.get(subscriberId, category);
    if (!row || row.carrier_seq !== carrierSeq) return undefined;
    q.deleteDigest.run(subscriberId, category);
    return digestOf(row);
  });

  const pruneTx = sqlite.transaction((before: number): number => {
    const seqs = (q.oldNotifications.all(before, PRUNE_BATCH) as { seq: number }[]).map((r) => r.seq);
    if (seqs.length === 0) return 0;
    const list = JSON.stringify(seqs);
    sqlite.prepare('DELETE FROM notify_channels WHERE notification_seq IN (SELECT value FROM json_each(?))').run(list);
    sqlite.prepare('DELETE FROM notify_recipients WHERE notification_seq IN (SELECT value FROM json_each(?))').run(list);
    sqlite.prepare('DELETE FROM notifications WHERE seq IN (SELECT value FROM json_each(?))').run(list);
    return seqs.length;
  });

  let closed: Promise<void> | undefined;
  return {
    async putSubscriber(s) {
      return durable(() => {
        const existed = q.subscriberExists.get(s.id) !== undefined;
        q.putSubscriber.run({
          id: s.id, email: s.email ?? null, phone: s.phone ?? null, name: s.name ?? null, locale: s.locale ?? null,
          timezone: s.timezone ?? null, webhook_url: s.webhookUrl ?? null, data: JSON.stringify(s.data), now: s.updatedAt,
        });
        return { created: !existed };
      });
    },
    async getSubscriber(id) {
      const row = q.subscriber.get(id);
      return row ? subscriberOf(row) : undefined;
    },
    async getSubscribers(ids) {
      const out = new Map<string, SubscriberRecord>();
      if (ids.length === 0) return out;
      for (const row of q.subscribers.all(JSON.stringify(ids))) out.set(row.id as string, subscriberOf(row));
      return out;
    },
    async setPreferences(id, preferences, now) {
      return durable(() => q.setPreferences.run(JSON.stringify(preferences), now, id).changes > 0);
    },
    async eraseSubscriber(id) {
      return durable(() => eraseTx.immediate(id));
    },
    async exportSubscriber(id) {
      const channels = sqlite.prepare<[string]>('SELECT * FROM notify_channels WHERE subscriber_id = ? ORDER BY notification_seq, channel').all(id).map((r) => channelOf(r as Row));
      const recipients = sqlite.prepare<[string]>('SELECT * FROM notify_recipients WHERE subscriber_id = ? ORDER BY notification_seq').all(id).map((r) => recipientOf(r as Row));
      const inbox = sqlite.prepare<[string]>('SELECT * FROM inbox WHERE subscriber_id = ? ORDER BY seq').all(id).map((r) => inboxOf(r as Row));
      const row = q.subscriber.get(id);
      const suppressions: SuppressedAddress[] = [];
      // E-mail suppressions are kept lowercased (as erasure knows): look for both spellings.
      const addresses = new Set<string>();
      for (const address of [row?.email, row?.phone, row?.webhook_url]) {
        if (typeof address === 'string') addresses.add(address).add(address.toLowerCase());
      }
      for (const address of addresses) {
        const s = q.suppressed.get(address);
        if (s) suppressions.push(suppressionOf(s));
      }
      return { channels, recipients, inbox, suppressions };
    },

    async putCategory(c) {
      durable(() => q.putCategory.run({
        name: c.name, description: c.description, channels: JSON.stringify(c.channels), critical: c.critical ? 1 : 0,
        digest: c.digestWindowMs ?? null, created: c.createdAt, updated: c.updatedAt,
      }));
    },
    async getCategory(name) {
      const row = q.category.get(name);
      return row ? categoryOf(row) : undefined;
    },
    async listCategories() {
      return q.categories.all().map(categoryOf);
    },
    async deleteCategory(name) {
      return durable(() => q.deleteCategory.run(name).changes > 0);
    },

    async putTemplate(t) {
      durable(() => q.putTemplate.run({ name: t.name, definition: JSON.stringify(t.definition), created: t.createdAt, updated: t.updatedAt }));
    },
    async getTemplate(name) {
      const row = q.template.get(name);
      return row ? templateOf(row) : undefined;
    },
    async listTemplates() {
      return q.templates.all().map(templateOf);
    },
    async deleteTemplate(name) {
      return durable(() => q.deleteTemplate.run(name).changes > 0);
    },

    async createNotification(n, idempotentSince) {
      return write(() => {
        if (n.idempotencyKey) {
          const seen = q.idem.get(n.actor, n.idempotencyKey, idempotentSince);
          if (seen) return { record: notificationOf(seen), created: false };
        }
        const row = q.insertNotification.get({
          id: n.id, template: n.template, category: n.category, priority: n.priority, strategy: n.strategy,
          channels: n.channels ? JSON.stringify(n.channels) : null, data: JSON.stringify(n.data), audience: JSON.stringify(n.to),
          send_at: n.sendAt ?? null, expires_at: n.expiresAt ?? null, idempotency_key: n.idempotencyKey ?? null, actor: n.actor, created_at: n.createdAt,
        })!;
        return { record: notificationOf(row), created: true };
      });
    },
    async getNotification(id) {
      const row = q.notification.get(id);
      return row ? notificationOf(row) : undefined;
    },
    async getNotificationBySeq(seq) {
      const row = q.notificationBySeq.get(seq);
      return row ? notificationOf(row) : undefined;
    },
    async unroutedNotifications() {
      return q.unrouted.all().map(notificationOf);
    },
    async addRecipients(seq, recipients, cursor, done) {
      return write(() => addRecipientsTx.immediate(seq, recipients, cursor, done));
    },
    async setPhase(seq, phase) {
      write(() => q.setPhase.run(phase, seq));
    },
    async getRecipient(seq, subscriberId) {
      const row = q.recipient.get(seq, subscriberId);
      return row ? recipientOf(row) : undefined;
    },
    async updateRecipient(seq, subscriberId, patch, now) {
      write(() => updateRecipientRow(seq, subscriberId, patch, now));
    },
    async listRecipients(seq, after, limit) {
      return q.recipients.all(seq, after ?? '', limit).map(recipientOf);
    },
    async recipientCounts(seq) {
      const out: Record<string, number> = {};
      for (const r of q.recipientCounts.all(seq) as { state: string; n: number }[]) out[r.state] = r.n;
      return out;
    },

    async upsertChannel(c) {
      write(() => upsertChannelRow(c));
    },
    async writeBatch(batch, now) {
      write(() => writeBatchTx.immediate(batch, now));
    },
    async getChannel(seq, subscriberId, channel) {
      const row = q.channel.get(seq, subscriberId, channel);
      return row ? channelOf(row) : undefined;
    },
    async channelsOf(seq, subscriberIds) {
      if (subscriberIds.length === 0) return [];
      return q.channelsOf.all(seq, JSON.stringify(subscriberIds)).map(channelOf);
    },
    async channelByProviderId(channel, providerId) {
      const row = q.channelByProvider.get(channel, providerId);
      return row ? channelOf(row) : undefined;
    },

    async recordSend(subscriberId, category, at) {
      write(() => q.recordSend.run(subscriberId, at, category));
    },
    async sendsSince(subscriberId, since) {
      return q.sendsSince.all(subscriberId, since) as { at: number; category: string }[];
    },

    async addInboxItem(item) {
      write(() => q.addInbox.run({
        id: item.id, subscriber: item.subscriberId, notification: item.notificationId ?? null, category: item.category ?? null,
        title: item.title ?? null, body: item.body, url: item.url ?? null, data: JSON.stringify(item.data), created: item.createdAt,
      }));
    },
    async listInbox(subscriberId, query) {
      const where = ['subscriber_id = ?'];
      const args: unknown[] = [subscriberId];
      if (query.unread) where.push('read_at IS NULL');
      where.push(query.archived ? 'archived_at IS NOT NULL' : 'archived_at IS NULL');
      if (query.before) {
        const at = q.inboxSeq.get(subscriberId, query.before) as { seq: number } | undefined;
        if (!at) return [];
        where.push('seq < ?');
        args.push(at.seq);
      }
      args.push(query.limit);
      return sqlite.prepare(`SELECT * FROM inbox WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT ?`).all(...args).map((r) => inboxOf(r as Row));
    },
    async getInboxItem(subscriberId, id) {
      const row = q.inboxItem.get(subscriberId, id);
      return row ? inboxOf(row) : undefined;
    },
    async updateInboxItem(subscriberId, id, patch) {
      write(() => q.updateInbox.run({
        subscriber: subscriberId, id,
        set_seen: 'seenAt' in patch ? 1 : 0, seen: patch.seenAt ?? null,
        set_read: 'readAt' in patch ? 1 : 0, read: patch.readAt ?? null,
        set_archived: 'archivedAt' in patch ? 1 : 0, archived: patch.archivedAt ?? null,
      }));
      const row = q.inboxItem.get(subscriberId, id);
      return row ? inboxOf(row) : undefined;
    },
    async readAllInbox(subscriberId, now) {
      return write(() => q.readAll.run(now, now, subscriberId).changes);
    },
    async unreadCount(subscriberId) {
      return (q.unread.get(subscriberId) as { n: number }).n;
    },

    async addToDigest(subscriberId, category, event, open) {
      return write(() => digestTx.immediate(subscriberId, category, JSON.stringify(event), open));
    },
    async takeDigest(subscriberId, category, carrierSeq) {
      return write(() => takeDigestTx.immediate(subscriberId, category, carrierSeq));
    },

    async suppressAddress(entry) {
      durable(() => q.suppress.run(entry.address, entry.kind, entry.reason, entry.at));
    },
    async addressSuppressed(address) {
      const row = q.suppressed.get(address);
      return row ? suppressionOf(row) : undefined;
    },

    async prune(before) {
      let total = 0;
      for (;;) {
        const n = write(() => pruneTx.immediate(before));
        total += n;
        if (n < PRUNE_BATCH) break;
      }
      // Caps look back at most a few days; a month of sends is more than any window needs.
      write(() => q.pruneSends.run(before));
      return total;
    },
    close() {
      closed ??= kysely.destroy();
      return closed;
    },
  };
}

const opt = <T>(v: unknown): T | undefined => (v === null || v === undefined ? undefined : (v as T));

function subscriberOf(r: Row): SubscriberRecord {
  const s: SubscriberRecord = { id: r.id as string, data: JSON.parse(r.data as string) as Record<string, unknown>, createdAt: r.created_at as number, updatedAt: r.updated_at as number };
  for (const [key, col] of [['email', 'email'], ['phone', 'phone'], ['name', 'name'], ['locale', 'locale'], ['timezone', 'timezone'], ['webhookUrl', 'webhook_url']] as const) {
    const v = opt<string>(r[col]);
    if (v !== undefined) s[key] = v;
  }
  if (r.preferences !== null) s.preferences = JSON.parse(r.preferences as string);
  return s;
}

function categoryOf(r: Row): CategoryRecord {
  const c: CategoryRecord = {
    name: r.name as string, description: r.description as string, channels: JSON.parse(r.channels as string) as NotifyChannel[],
    critical: r.critical === 1, createdAt: r.created_at as number, updatedAt: r.updated_at as number,
  };
  if (r.digest_window_ms !== null) c.digestWindowMs = r.digest_window_ms as number;
  return c;
}

function templateOf(r: Row): TemplateRecord {
  return { name: r.name as string, definition: JSON.parse(r.definition as string), createdAt: r.created_at as number, updatedAt: r.updated_at as number };
}

function notificationOf(r: Row): NotificationRecord {
  const n: NotificationRecord = {
    seq: r.seq as number, id: r.id as string, template: r.template as string, category: r.category as string,
    priority: r.priority as NotificationRecord['priority'], strategy: r.strategy as NotificationRecord['strategy'],
    data: JSON.parse(r.data as string) as Record<string, unknown>, to: JSON.parse(r.audience as string) as NotificationRecord['to'],
    actor: r.actor as string, createdAt: r.created_at as number, phase: r.phase as NotificationRecord['phase'], recipients: r.recipients as number,
  };
  if (r.channels !== null) n.channels = JSON.parse(r.channels as string) as NotifyChannel[];
  if (r.send_at !== null) n.sendAt = r.send_at as string;
  if (r.expires_at !== null) n.expiresAt = r.expires_at as number;
  if (r.idempotency_key !== null) n.idempotencyKey = r.idempotency_key as string;
  if (r.route_cursor !== null) n.routeCursor = r.route_cursor as string;
  return n;
}

function recipientOf(r: Row): RecipientRecord {
  const out: RecipientRecord = {
    notificationSeq: r.notification_seq as number, subscriberId: r.subscriber_id as string, state: r.state as RecipientRecord['state'],
    plan: JSON.parse(r.plan as string) as NotifyChannel[], createdAt: r.created_at as number, updatedAt: r.updated_at as number,
  };
  if (r.reason !== null) out.reason = r.reason as string;
  return out;
}

function channelOf(r: Row): ChannelDeliveryRecord {
  const c: ChannelDeliveryRecord = {
    notificationSeq: r.notification_seq as number, subscriberId: r.subscriber_id as string, channel: r.channel as NotifyChannel,
    state: r.state as ChannelDeliveryRecord['state'], attempts: r.attempts as number, createdAt: r.created_at as number, updatedAt: r.updated_at as number,
  };
  if (r.reason !== null) c.reason = r.reason as string;
  if (r.address !== null) c.address = r.address as string;
  if (r.provider_id !== null) c.providerId = r.provider_id as string;
  if (r.sent_at !== null) c.sentAt = r.sent_at as number;
  return c;
}

function inboxOf(r: Row): InboxItem {
  const item: InboxItem = { id: r.id as string, subscriberId: r.subscriber_id as string, body: r.body as string, data: JSON.parse(r.data as string) as Record<string, unknown>, createdAt: r.created_at as number };
  if (r.notification_id !== null) item.notificationId = r.notification_id as string;
  if (r.category !== null) item.category = r.category as string;
  if (r.title !== null) item.title = r.title as string;
  if (r.url !== null) item.url = r.url as string;
  if (r.seen_at !== null) item.seenAt = r.seen_at as number;
  if (r.read_at !== null) item.readAt = r.read_at as number;
  if (r.archived_at !== null) item.archivedAt = r.archived_at as number;
  return item;
}

function digestOf(r: Row): DigestRecord {
  return { subscriberId: r.subscriber_id as string, category: r.category as string, carrierSeq: r.carrier_seq as number, flushAt: r.flush_at as number, events: JSON.parse(r.events as string) as Record<string, unknown>[] };
}

function suppressionOf(r: Row): SuppressedAddress {
  return { address: r.address as string, kind: r.kind as SuppressedAddress['kind'], reason: r.reason as string, at: r.at as number };
}
