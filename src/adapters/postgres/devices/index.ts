/**
 * The DeviceStore port on PostgreSQL: the push registry's tables of SQLite's `database-file`
 * (`devices`, `device_topics`, `user_topics`, same columns) in the schema of the connection's
 * search_path, with migrations of their own (`herald_device_migration`). Registration, edits and
 * listings are the Kysely queries shared with SQLite (src/adapters/sql/devices/); audience paging,
 * the broadcast's hot path, is named SQL on the pool (audience.ts).
 *
 * Several Herald processes share the tables. What each race-prone operation relies on:
 * - register without a known id: one upsert on (app, provider, token), so the same token
 *   registered on several nodes at once makes one device, created by exactly one of the calls;
 * - register naming a device (token rotation): the named row is locked first, then a transaction
 *   advisory lock per (schema, app, provider, token) queues rotations onto one token; a unique
 *   violation or deadlock against another node's registration runs the transaction again;
 * - edits of a device's topics: each first updates the device row, so they queue per device, and
 *   a removal deletes the device before its topics, leaving no topic behind;
 * - setUserTopics: a transaction advisory lock per (schema, user);
 * - pruneInvalid: batches taken with SKIP LOCKED, so nodes pruning together split the work.
 *
 * Times are the caller's unix ms (bigint columns). Closing is the database owner's business.
 */
export { createPostgresDeviceStore, type PostgresDeviceStoreOptions } from './postgres-device-store.js';
