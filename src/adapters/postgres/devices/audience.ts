import type { Kysely } from 'kysely';
import type { Pool } from 'pg';
import type { AudienceSource, DeviceStore } from '../../../ports/device-store.js';
import { pageEveryoneAudience, pageFilterAudience, type FilterPaging } from '../../sql/devices/audience-filter.js';
import { audiencePage, userCursor } from '../../sql/devices/audience-page.js';
import { AUDIENCE_MAX_LIMIT, clampLimit, type AudienceRow, type DevicesDatabase } from '../../sql/devices/schema.js';

/** The sources paged by named statements; filters are shaped per push (src/adapters/sql/devices/audience-filter.ts). */
type PreparedKind = Extract<AudienceSource['kind'], 'devices' | 'topic' | 'users' | 'topicUsers'>;

const COLUMNS = 'd.id, d.app, d.provider, d.token, d.p256dh, d.auth, d."user"';

/**
 * One statement per source, each walking an index already in the page's order from the cursor on
 * and stopping after `limit` rows, so a page costs the same at the first and the millionth device:
 * - listed devices: the primary key, for the listed ids after the cursor;
 * - a topic's own devices: device_topics (topic, device_id) from the cursor, each device then
 *   fetched by its key (and skipped unless active). The cursor bounds both sides: for a topic
 *   holding most devices the planner may merge the two key orders instead, and a merge that
 *   started devices' key at the top would read every device before the page;
 * - listed users: devices ("user", id) from the (user, id) cursor, a row comparison the index
 *   answers directly;
 * - a topic's users: user_topics (topic, "user") from the cursor's user on, each user's devices by
 *   ("user", id). The explicit `u."user" >= $2` lets the scan of user_topics start at the cursor:
 *   the planner would not derive it from the row comparison on the devices.
 * Cursor bounds start at '' rather than NULL, so one statement serves first and later pages: every
 * id sorts after '' byte-wise, and so does every (user, id) pair.
 *
 * Exported for the tests that read their plans. Parameters: the source ($1), the cursor (`$2`, or
 * user `$2` and id `$3`), the limit last.
 */
export const AUDIENCE_SQL = {
  devices: `SELECT ${COLUMNS} FROM devices d
    WHERE d.id = ANY($1::text[]) AND d.id > $2 AND d.state = 'active' ORDER BY d.id LIMIT $3`,
  topic: `SELECT ${COLUMNS} FROM device_topics t JOIN devices d ON d.id = t.device_id
    WHERE t.topic = $1 AND t.device_id > $2 AND d.id > $2 AND d.state = 'active' ORDER BY t.device_id LIMIT $3`,
  users: `SELECT ${COLUMNS} FROM devices d
    WHERE d."user" = ANY($1::text[]) AND (d."user", d.id) > ($2, $3) AND d.state = 'active' ORDER BY d."user", d.id LIMIT $4`,
  topicUsers: `SELECT ${COLUMNS} FROM user_topics u JOIN devices d ON d."user" = u."user"
    WHERE u.topic = $1 AND u."user" >= $2 AND (d."user", d.id) > ($2, $3) AND d.state = 'active'
    ORDER BY d."user", d.id LIMIT $4`,
} as const satisfies Record<PreparedKind, string>;

/**
 * Audience paging on the pool, as named statements: each connection prepares one once and binds
 * it per page after that, which a broadcast does a thousand times per million devices.
 */
export function prepareAudience(pool: Pool, db: Kysely<DevicesDatabase>): Pick<DeviceStore, 'pageAudience'> {
  const run = async (kind: PreparedKind, values: unknown[]): Promise<AudienceRow[]> =>
    (await pool.query<AudienceRow>({ name: `herald_devices_audience_${kind}`, text: AUDIENCE_SQL[kind], values })).rows;
  // Unnamed: a filter's text changes with its lists' lengths, and named statements would pile up on every connection.
  const filters: FilterPaging = { db, boundBothKeys: true, run: async (query) => (await db.executeQuery(query)).rows };
  return {
    async pageAudience(source, options) {
      const limit = clampLimit(options.limit, AUDIENCE_MAX_LIMIT);
      if (limit === 0) return { members: [] };
      let rows: AudienceRow[];
      switch (source.kind) {
        case 'devices':
          if (source.ids.length === 0) return { members: [] };
          rows = await run('devices', [source.ids, options.after ?? '', limit]);
          break;
        case 'topic':
          rows = await run('topic', [source.topic, options.after ?? '', limit]);
          break;
        case 'users': {
          if (source.users.length === 0) return { members: [] };
          const position = userCursor(options.after);
          rows = await run('users', [[...new Set(source.users)], position?.user ?? '', position?.id ?? '', limit]);
          break;
        }
        case 'topicUsers': {
          const position = userCursor(options.after);
          rows = await run('topicUsers', [source.topic, position?.user ?? '', position?.id ?? '', limit]);
          break;
        }
        case 'topicEveryone':
          return pageEveryoneAudience(filters, source.topic, options.after, limit);
        case 'filter':
          return pageFilterAudience(filters, source.filter, options.after, limit);
      }
      return audiencePage(source, rows, limit);
    },
  };
}
