import type { NotifyStore } from '../../../ports/notify-store.js';
import type { NotifyContext } from './context.js';
import { categoryOf, templateOf, time } from './schema.js';

/**
 * What operators define ahead of sending: categories and templates, each by name (Kysely). A put
 * is one upsert, so two nodes putting one name at once leave one row, the later put's, with the
 * first creation time. Names are COLLATE "C" columns: listings come in byte order.
 */
export function prepareCatalog(ctx: NotifyContext): Pick<NotifyStore,
  'putCategory' | 'getCategory' | 'listCategories' | 'deleteCategory' | 'putTemplate' | 'getTemplate' | 'listTemplates' | 'deleteTemplate'> {
  const { db } = ctx;
  return {
    async putCategory(c) {
      const fields = {
        description: c.description, channels: JSON.stringify(c.channels), critical: c.critical,
        digest_window_ms: c.digestWindowMs === undefined ? null : time(c.digestWindowMs), updated_at: time(c.updatedAt),
      };
      await db.insertInto('categories').values({ name: c.name, ...fields, created_at: time(c.createdAt) })
        .onConflict((oc) => oc.column('name').doUpdateSet(fields))
        .execute();
    },
    async getCategory(name) {
      const row = await db.selectFrom('categories').selectAll().where('name', '=', name).executeTakeFirst();
      return row ? categoryOf(row) : undefined;
    },
    async listCategories() {
      return (await db.selectFrom('categories').selectAll().orderBy('name').execute()).map(categoryOf);
    },
    async deleteCategory(name) {
      const result = await db.deleteFrom('categories').where('name', '=', name).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
    async putTemplate(t) {
      const fields = { definition: JSON.stringify(t.definition), updated_at: time(t.updatedAt) };
      await db.insertInto('templates').values({ name: t.name, ...fields, created_at: time(t.createdAt) })
        .onConflict((oc) => oc.column('name').doUpdateSet(fields))
        .execute();
    },
    async getTemplate(name) {
      const row = await db.selectFrom('templates').selectAll().where('name', '=', name).executeTakeFirst();
      return row ? templateOf(row) : undefined;
    },
    async listTemplates() {
      return (await db.selectFrom('templates').selectAll().orderBy('name').execute()).map(templateOf);
    },
    async deleteTemplate(name) {
      const result = await db.deleteFrom('templates').where('name', '=', name).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
}
