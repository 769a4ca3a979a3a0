import type { Section } from './sections.js';
import { AuditScreen } from './sections/audit/AuditScreen.js';
import { CategoriesScreen } from './sections/categories/CategoriesScreen.js';
import { DevicesScreen } from './sections/devices/DevicesScreen.js';
import { DlqScreen } from './sections/dlq/DlqScreen.js';
import { KeysScreen } from './sections/keys/KeysScreen.js';
import { NotificationsScreen } from './sections/notifications/NotificationsScreen.js';
import { overviewSection } from './sections/overview/index.js';
import { PushesScreen } from './sections/pushes/PushesScreen.js';
import { SubscribersScreen } from './sections/subscribers/SubscribersScreen.js';
import { TemplatesScreen } from './sections/templates/TemplatesScreen.js';
import { UsersScreen } from './sections/users/UsersScreen.js';

/** The console's screens in navigation order; each screen's module adds its entry here. */
export const SECTIONS: Section[] = [
  overviewSection,
  { path: 'devices', label: 'Devices', group: 'Push', scope: 'devices:read', screen: DevicesScreen },
  { path: 'pushes', label: 'Pushes', group: 'Push', scope: 'push:read', screen: PushesScreen },
  { path: 'dlq', label: 'Dead letters', group: 'Push', scope: 'dlq:read', screen: DlqScreen },
  { path: 'subscribers', label: 'Subscribers', group: 'Notify', scope: 'subscribers:read', screen: SubscribersScreen },
  { path: 'categories', label: 'Categories', group: 'Notify', scope: 'templates:read', screen: CategoriesScreen },
  { path: 'templates', label: 'Templates', group: 'Notify', scope: 'templates:read', screen: TemplatesScreen },
  { path: 'notifications', label: 'Notifications', group: 'Notify', scope: 'notify:read', screen: NotificationsScreen },
  { path: 'users', label: 'Users and access', group: 'Access', scope: 'admin', screen: UsersScreen },
  { path: 'keys', label: 'API keys', group: 'Access', scope: 'keys:write', screen: KeysScreen },
  { path: 'audit', label: 'Audit log', group: 'Access', scope: 'audit:read', screen: AuditScreen },
];
