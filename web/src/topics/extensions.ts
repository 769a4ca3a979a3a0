import { useSyncExternalStore, type ReactNode } from 'react';

/**
 * Places other parts of the topics app (the account screens) plug into without editing App.tsx:
 * - `headerItems`: shown at the end of the top bar (e.g. a login / account button);
 * - `views`: extra entries at the end of the navigation, each rendering the main area when chosen;
 * - `loginPrompt`: when set, a 401 on a subscription offers a "Log in" button that calls it;
 * - `settingsItems`: extra controls at the end of the settings dialog (e.g. background push);
 * - `connectionHelp`: shown after a subscription's connection error (e.g. what to do on a 403).
 * Register from a module imported once by main.tsx.
 */
export interface HeaderItem { id: string; render: () => ReactNode }
export interface ExtraView { id: string; label: string; render: () => ReactNode }

interface Registry {
  headerItems: HeaderItem[];
  views: ExtraView[];
  loginPrompt?: (baseUrl: string) => void;
  settingsItems: HeaderItem[];
  connectionHelp?: (subscription: { baseUrl: string; topic: string }, status: number | undefined) => ReactNode;
}

let registry: Registry = { headerItems: [], views: [], settingsItems: [] };
const listeners = new Set<() => void>();

function change(next: Registry): void {
  registry = next;
  for (const l of listeners) l();
}

export function addHeaderItem(item: HeaderItem): void {
  change({ ...registry, headerItems: [...registry.headerItems.filter((i) => i.id !== item.id), item] });
}

export function addView(view: ExtraView): void {
  change({ ...registry, views: [...registry.views.filter((v) => v.id !== view.id), view] });
}

export function setLoginPrompt(prompt: ((baseUrl: string) => void) | undefined): void {
  change({ ...registry, loginPrompt: prompt });
}

export function addSettingsItem(item: HeaderItem): void {
  change({ ...registry, settingsItems: [...registry.settingsItems.filter((i) => i.id !== item.id), item] });
}

export function setConnectionHelp(help: Registry['connectionHelp']): void {
  change({ ...registry, connectionHelp: help });
}

export function useExtensions(): Registry {
  return useSyncExternalStore((cb) => {
    listeners.add(cb);
    return () => listeners.delete(cb);
  }, () => registry);
}

/** Lets an extension view switch the main area to itself (or back to `all`). */
export const viewSwitch = { go: (_id: string) => undefined as void };
