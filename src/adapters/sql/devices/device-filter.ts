import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import { EVERY_USER, type DeviceFilter } from '../../../ports/device-store.js';
import type { DevicesDatabase } from './schema.js';

type DevicesEb = ExpressionBuilder<DevicesDatabase, 'devices'>;

/**
 * The WHERE of a device listing or count, on `devices`: every given filter must hold, a list
 * filter by any of its values. An empty list filters nothing, as if absent.
 */
export function deviceFilter(eb: DevicesEb, filter: DeviceFilter): Expression<SqlBool> {
  const all: Expression<SqlBool>[] = [];
  if (filter.user !== undefined) all.push(eb('devices.user', '=', filter.user));
  if (filter.provider !== undefined) all.push(eb('devices.provider', '=', filter.provider));
  if (filter.platform !== undefined) all.push(eb('devices.platform', '=', filter.platform));
  if (filter.app !== undefined) all.push(eb('devices.app', '=', filter.app));
  if (filter.state !== undefined) all.push(eb('devices.state', '=', filter.state));
  if (filter.seenBefore !== undefined) all.push(eb('devices.last_seen_at', '<', filter.seenBefore));
  if (filter.topic !== undefined) all.push(reachedByTopics(eb, [filter.topic]));
  if (filter.ids?.length) all.push(eb('devices.id', 'in', [...filter.ids]));
  if (filter.providers?.length) all.push(eb('devices.provider', 'in', [...filter.providers]));
  if (filter.platforms?.length) all.push(eb('devices.platform', 'in', [...filter.platforms]));
  if (filter.users?.length) all.push(ofUsers(eb, filter.users));
  if (filter.topics?.length) all.push(reachedByTopics(eb, filter.topics));
  if (filter.locales?.length) all.push(ofLocales(eb, filter.locales));
  if (filter.apps?.length) all.push(eb('devices.app', 'in', [...new Set(filter.apps)]));
  return eb.and(all);
}

/** Devices of any of these users, `null` being no user. */
export function ofUsers(eb: DevicesEb, users: readonly (string | null)[]): Expression<SqlBool> {
  const named = [...new Set(users.filter((u): u is string => u !== null))];
  const any: Expression<SqlBool>[] = [];
  if (named.length > 0) any.push(eb('devices.user', 'in', named));
  if (users.includes(null)) any.push(eb('devices.user', 'is', null));
  return eb.or(any);
}

/** A device reached by any of these topics: as one of its own, one of its user's, or one bound to every user. */
export function reachedByTopics(eb: DevicesEb, topics: readonly string[]): Expression<SqlBool> {
  const list = [...new Set(topics)];
  return eb.or([
    eb.exists(eb.selectFrom('device_topics').select(sql.lit(1).as('one'))
      .whereRef('device_topics.device_id', '=', 'devices.id').where('device_topics.topic', 'in', list)),
    eb.exists(eb.selectFrom('user_topics').select(sql.lit(1).as('one'))
      .whereRef('user_topics.user', '=', 'devices.user').where('user_topics.topic', 'in', list)),
    // The same for every device: one probe of user_topics' key, which the planner runs once.
    eb.exists(eb.selectFrom('user_topics').select(sql.lit(1).as('one'))
      .where('user_topics.user', '=', EVERY_USER).where('user_topics.topic', 'in', list)),
  ]);
}

/**
 * Devices of any of these locales, case-insensitively (tags are ASCII): a bare language takes its
 * regional variants too, compared on a prefix through substr so no LIKE wildcard or case rule of
 * either database gets involved.
 */
function ofLocales(eb: DevicesEb, locales: readonly string[]): Expression<SqlBool> {
  const locale = sql<string>`lower(${eb.ref('devices.locale')})`;
  const any: Expression<SqlBool>[] = [];
  for (const value of new Set(locales.map((l) => l.toLowerCase()))) {
    any.push(eb(locale, '=', value));
    if (!value.includes('-')) any.push(eb(sql<string>`substr(${locale}, 1, ${sql.lit(value.length + 1)})`, '=', `${value}-`));
  }
  return eb.or(any);
}
