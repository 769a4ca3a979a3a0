import { HeraldError } from '../../errors/index.js';

/**
 * A key limited to categories may only send notifications in them, so a compromised marketing
 * service cannot send a banking alert. Keys without categories may send in any.
 */
export function assertCategoryAllowed(keyCategories: readonly string[] | undefined, category: string | undefined): void {
  if (!keyCategories || keyCategories.length === 0) return;
  if (category === undefined || !keyCategories.includes(category)) {
    throw new HeraldError('scopeMissing', { detail: `this key may only send in the categories ${keyCategories.join(', ')}` });
  }
}
