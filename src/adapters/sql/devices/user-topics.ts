import type { Kysely } from 'kysely';
import { EVERY_USER, type DeviceStore } from '../../../ports/device-store.js';
import { unique } from './device-rows.js';
import { AUDIENCE_MAX_LIMIT, clampLimit, type DevicesDatabase, type DevicesDialect } from './schema.js';

/** Topics bound to users, and whether a topic reaches anyone at all. */
export function prepareUserTopics(db: Kysely<DevicesDatabase>, dialect: DevicesDialect): Pick<DeviceStore, 'userTopics' | 'topicUsers' | 'setUserTopics' | 'hasTopic'> {
  return {
    async userTopics(user) {
      const rows = await db.selectFrom('user_topics').select('topic').where('user', '=', user).orderBy('topic').execute();
      return rows.map((row) => row.topic);
    },

    async topicUsers(topic, options) {
      const limit = clampLimit(options.limit, AUDIENCE_MAX_LIMIT);
      if (limit === 0) return [];
      // A binding for every user names no one: a notify audience of "everyone" is not a subscriber list.
      let query = db.selectFrom('user_topics').select('user').where('topic', '=', topic).where('user', '!=', EVERY_USER);
      if (options.after !== undefined) query = query.where('user', '>', options.after);
      const rows = await query.orderBy('user').limit(limit).execute();
      return rows.map((row) => row.user);
    },

    async setUserTopics(user, topics) {
      await db.transaction().execute(async (trx) => {
        // Deletes and inserts of rows with no common parent: without this, two replacements at
        // once on PostgreSQL would merge both lists or collide on the key.
        await dialect.serialize(trx, `user-topics:${user}`);
        await trx.deleteFrom('user_topics').where('user', '=', user).execute();
        const values = unique(topics).map((topic) => ({ user, topic }));
        if (values.length > 0) await trx.insertInto('user_topics').values(values).execute();
      });
    },

    async hasTopic(topic) {
      const own = await db.selectFrom('device_topics').select('device_id').where('topic', '=', topic).limit(1).executeTakeFirst();
      if (own) return true;
      const bound = await db.selectFrom('user_topics').select('user').where('topic', '=', topic).limit(1).executeTakeFirst();
      return bound !== undefined;
    },
  };
}
