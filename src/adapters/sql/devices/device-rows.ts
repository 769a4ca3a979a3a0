import type { Kysely, Transaction } from 'kysely';
import type { DeviceRecord, DeviceRegistration } from '../../../ports/device-store.js';
import { randomId } from '../../../util/ids.js';
import { deviceFromRow, type DevicesDatabase, type DevicesDialect, type DevicesTable } from './schema.js';

/** The reads and writes of single devices that several operations share. */

export type DevicesDb = Kysely<DevicesDatabase> | Transaction<DevicesDatabase>;

/** Devices with their own topics folded into one column, so a page is a single query. */
export function selectDevices(db: DevicesDb, dialect: DevicesDialect) {
  return db.selectFrom('devices').selectAll('devices').select(dialect.topicsOfDevice.as('topics'));
}

export async function selectDevice(db: DevicesDb, dialect: DevicesDialect, id: string): Promise<DeviceRecord | undefined> {
  const row = await selectDevices(db, dialect).where('devices.id', '=', id).executeTakeFirst();
  return row && deviceFromRow(row);
}

/**
 * Deletes a device, then its own topics. In that order: on PostgreSQL the device row's lock is what
 * every topic write takes first, so a topic added by a write that held the lock before this delete
 * has committed by the time the second statement looks (a statement of its own, with a fresh view).
 */
export async function deleteDevice(trx: Transaction<DevicesDatabase>, id: string): Promise<boolean> {
  const result = await trx.deleteFrom('devices').where('id', '=', id).executeTakeFirst();
  await trx.deleteFrom('device_topics').where('device_id', '=', id).execute();
  return result.numDeletedRows > 0n;
}

/** Callers hold the device row (they updated it in this transaction), which serializes topic writes per device. */
export async function replaceTopics(trx: Transaction<DevicesDatabase>, id: string, topics: string[]): Promise<void> {
  await trx.deleteFrom('device_topics').where('device_id', '=', id).execute();
  await insertTopics(trx, id, topics);
}

export async function insertTopics(trx: Transaction<DevicesDatabase>, id: string, topics: string[]): Promise<void> {
  const values = unique(topics).map((topic) => ({ device_id: id, topic }));
  if (values.length === 0) return;
  await trx.insertInto('device_topics').values(values).onConflict((oc) => oc.doNothing()).execute();
}

export function newDevice(input: DeviceRegistration, now: number): DevicesTable {
  return {
    id: `dev_${randomId(16)}`,
    app: input.app,
    provider: input.provider,
    platform: input.platform,
    token: input.token,
    p256dh: input.keys?.p256dh ?? null,
    auth: input.keys?.auth ?? null,
    user: input.user ?? null,
    locale: input.locale ?? null,
    timezone: input.timezone ?? null,
    meta: JSON.stringify(input.meta ?? {}),
    state: 'active',
    invalid_reason: null,
    created_at: now,
    updated_at: now,
    last_seen_at: now,
  };
}

/** The columns shared by register and update where undefined means "keep" and null means "clear". */
export function optionalFields(fields: Pick<DeviceRegistration, 'user' | 'locale' | 'timezone' | 'meta'>): Partial<DevicesTable> {
  const set: Partial<DevicesTable> = {};
  if (fields.user !== undefined) set.user = fields.user;
  if (fields.locale !== undefined) set.locale = fields.locale;
  if (fields.timezone !== undefined) set.timezone = fields.timezone;
  if (fields.meta !== undefined) set.meta = JSON.stringify(fields.meta);
  return set;
}

export function unique(values: string[] | undefined): string[] {
  return [...new Set(values ?? [])];
}

/**
 * Topics in the order the databases return them: by UTF-8 bytes, which is code point order
 * (SQLite's BINARY, PostgreSQL's "C"), where JavaScript's default sort compares UTF-16 units and
 * puts an emoji before U+FFFD.
 */
export function sortedTopics(topics: string[] | undefined): string[] {
  return unique(topics).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}
