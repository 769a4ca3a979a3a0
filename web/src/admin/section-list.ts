import type { Section } from './sections.js';
import { AuditScreen } from './sections/audit/AuditScreen.js';
import { DevicesScreen } from './sections/devices/DevicesScreen.js';
import { DlqScreen } from './sections/dlq/DlqScreen.js';
import { KeysScreen } from './sections/keys/KeysScreen.js';
import { overviewSection } from './sections/overview/index.js';
import { PushesScreen } from './sections/pushes/PushesScreen.js';
import { UsersScreen } from './sections/users/UsersScreen.js';

/** The console's screens in navigation order; each screen's module adds its entry here. */
export const SECTIONS: Section[] = [
  overviewSection,
  { path: 'devices', label: 'Devices', group: 'Push', scope: 'devices:read', screen: DevicesScreen },
  { path: 'pushes', label: 'Pushes', group: 'Push', scope: 'push:read', screen: PushesScreen },
  { path: 'dlq', label: 'Dead letters', group: 'Push', scope: 'dlq:read', screen: DlqScreen },
  { path: 'users', label: 'Users and access', group: 'Access', scope: 'admin', screen: UsersScreen },
  { path: 'keys', label: 'API keys', group: 'Access', scope: 'keys:write', screen: KeysScreen },
  { path: 'audit', label: 'Audit log', group: 'Access', scope: 'audit:read', screen: AuditScreen },
];
