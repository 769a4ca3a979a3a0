import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { DeviceFilter } from '../../../ports/device-store.js';
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

/** A device reached by any of these topics, as one of its own or one of its user's. */
function reachedByTopics(eb: DevicesEb, topics: readonly string[]): Expression<SqlBool> {
  const list = [...new Set(topics)];
  return eb.or([
    eb.exists(eb.selectFrom('device_topics').select(sql.lit(1).as('one'))
      .whereRef('device_topics.device_id', '=', 'devices.id').where('device_topics.topic', 'in', list)),
    eb.exists(eb.selectFrom('user_topics').select(sql.lit(1).as('one'))
      .whereRef('user_topics.user', '=', 'devices.user').where('user_topics.topic', 'in', list)),
  ]);
}
