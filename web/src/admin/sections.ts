import type { ComponentType } from 'react';
import type { Api, Identity } from './session.js';

/** What every console screen is given. */
export interface SectionProps { api: Api; identity: Identity }

/**
 * One entry of the console's navigation: its path under /admin, its label, the scope a key
 * needs to see it (admins see everything), and the screen. Screens live in sections/<name>/.
 */
export interface Section {
  path: string;
  label: string;
  group: 'Overview' | 'Push' | 'Notify' | 'Access';
  scope: string;
  screen: ComponentType<SectionProps>;
}

export function allowed(identity: Identity, scope: string): boolean {
  return identity.scopes.includes('admin') || identity.scopes.includes(scope);
}
