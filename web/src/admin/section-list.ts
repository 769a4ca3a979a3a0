import type { Section } from './sections.js';
import { CategoriesScreen } from './sections/categories/CategoriesScreen.js';
import { NotificationsScreen } from './sections/notifications/NotificationsScreen.js';
import { SubscribersScreen } from './sections/subscribers/SubscribersScreen.js';
import { TemplatesScreen } from './sections/templates/TemplatesScreen.js';

/** The console's screens in navigation order; each screen's module adds its entry here. */
export const SECTIONS: Section[] = [
  { path: 'subscribers', label: 'Subscribers', group: 'Notify', scope: 'subscribers:read', screen: SubscribersScreen },
  { path: 'categories', label: 'Categories', group: 'Notify', scope: 'templates:read', screen: CategoriesScreen },
  { path: 'templates', label: 'Templates', group: 'Notify', scope: 'templates:read', screen: TemplatesScreen },
  { path: 'notifications', label: 'Notifications', group: 'Notify', scope: 'notify:read', screen: NotificationsScreen },
];
