import type { NotifyStore } from '../../../ports/notify-store.js';
import type { NotifyContext } from './context.js';
import { categoryOf, templateOf, type Row } from './schema.js';

/** What operators define ahead of sending: categories and templates, each by name. */
export function prepareCatalog(ctx: NotifyContext): Pick<NotifyStore,
  'putCategory' | 'getCategory' | 'listCategories' | 'deleteCategory' | 'putTemplate' | 'getTemplate' | 'listTemplates' | 'deleteTemplate'> {
  const putCategory = ctx.prepare<Row>(`INSERT INTO categories (name, description, channels, critical, digest_window_ms, created_at, updated_at)
    VALUES (:name, :description, :channels, :critical, :digest, :created, :updated)
    ON CONFLICT (name) DO UPDATE SET description = :description, channels = :channels, critical = :critical, digest_window_ms = :digest, updated_at = :updated`);
  const category = ctx.prepare<[string]>('SELECT * FROM categories WHERE name = ?');
  const categories = ctx.prepare<[]>('SELECT * FROM categories ORDER BY name');
  const deleteCategory = ctx.prepare<[string]>('DELETE FROM categories WHERE name = ?');
  const putTemplate = ctx.prepare<Row>(`INSERT INTO templates (name, definition, created_at, updated_at) VALUES (:name, :definition, :created, :updated)
    ON CONFLICT (name) DO UPDATE SET definition = :definition, updated_at = :updated`);
  const template = ctx.prepare<[string]>('SELECT * FROM templates WHERE name = ?');
  const templates = ctx.prepare<[]>('SELECT * FROM templates ORDER BY name');
  const deleteTemplate = ctx.prepare<[string]>('DELETE FROM templates WHERE name = ?');

  return {
    async putCategory(c) {
      ctx.durable(() => putCategory.run({
        name: c.name, description: c.description, channels: JSON.stringify(c.channels), critical: c.critical ? 1 : 0,
        digest: c.digestWindowMs ?? null, created: c.createdAt, updated: c.updatedAt,
      }));
    },
    async getCategory(name) {
      const row = category.get(name);
      return row ? categoryOf(row) : undefined;
    },
    async listCategories() {
      return categories.all().map(categoryOf);
    },
    async deleteCategory(name) {
      return ctx.durable(() => deleteCategory.run(name).changes > 0);
    },
    async putTemplate(t) {
      ctx.durable(() => putTemplate.run({ name: t.name, definition: JSON.stringify(t.definition), created: t.createdAt, updated: t.updatedAt }));
    },
    async getTemplate(name) {
      const row = template.get(name);
      return row ? templateOf(row) : undefined;
    },
    async listTemplates() {
      return templates.all().map(templateOf);
    },
    async deleteTemplate(name) {
      return ctx.durable(() => deleteTemplate.run(name).changes > 0);
    },
  };
}
