import type { Kysely } from 'kysely';
import type { DeviceStore } from '../../../ports/device-store.js';
import { prepareDeviceTopics } from './device-topics.js';
import { prepareDevices } from './devices.js';
import { prepareRegistration } from './registration.js';
import type { DevicesDatabase, DevicesDialect } from './schema.js';
import { prepareUserTopicList } from './user-topic-list.js';
import { prepareUserTopics } from './user-topics.js';

/** Everything in DeviceStore but audience paging, which each dialect writes in its own SQL. */
export type DeviceQueries = Omit<DeviceStore, 'pageAudience'>;

/**
 * The registry queries both dialects share: registration, edits and listings see a few writes per
 * API call and none per delivery, so they are written once with Kysely (docs/storage.md). The
 * dialect supplies the spots where SQLite and PostgreSQL differ.
 */
export function createDeviceQueries(db: Kysely<DevicesDatabase>, dialect: DevicesDialect): DeviceQueries {
  return { ...prepareRegistration(db, dialect), ...prepareDevices(db, dialect), ...prepareUserTopics(db, dialect), ...prepareDeviceTopics(db), ...prepareUserTopicList(db) };
}

export type { DevicesDatabase, DevicesDialect } from './schema.js';
