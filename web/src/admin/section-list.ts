import type { Section } from './sections.js';
import { AuditScreen } from './sections/audit/AuditScreen.js';
import { KeysScreen } from './sections/keys/KeysScreen.js';
import { UsersScreen } from './sections/users/UsersScreen.js';

/** The console's screens in navigation order; each screen's module adds its entry here. */
export const SECTIONS: Section[] = [
  { path: 'users', label: 'Users and access', group: 'Access', scope: 'admin', screen: UsersScreen },
  { path: 'keys', label: 'API keys', group: 'Access', scope: 'keys:write', screen: KeysScreen },
  { path: 'audit', label: 'Audit log', group: 'Access', scope: 'audit:read', screen: AuditScreen },
];
