import { serverConfig } from '../../shared/server-config.js';

/**
 * The account's screens live at `/login`, `/signup` and `/account` under the app root (ntfy's
 * paths; the three are reserved topic names, so no topic link can mean them).
 */
export type AccountScreenName = 'login' | 'signup' | 'account';
const SCREENS: readonly AccountScreenName[] = ['login', 'signup', 'account'];

function root(): string {
  return serverConfig.app_root === '/' ? '' : serverConfig.app_root.replace(/\/+$/, '');
}

/** The account screen an address names, if any. */
export function accountScreenOf(pathname: string = location.pathname): AccountScreenName | undefined {
  const rest = pathname.slice(root().length).replace(/^\/+|\/+$/g, '');
  return (SCREENS as readonly string[]).includes(rest) ? rest as AccountScreenName : undefined;
}

/** The address of a path inside the app (`/account` → `/app/account` under `web-root: /app`). */
export function appHref(path: string): string {
  return `${root()}${path.startsWith('/') ? path : `/${path}`}` || '/';
}

/**
 * Moves within the app without a reload: the address changes and a `popstate` event tells the
 * app (which routes on the address) to render the new screen.
 */
export function navigate(path: string, replace = false): void {
  const href = appHref(path);
  if (replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  dispatchEvent(new PopStateEvent('popstate'));
}

/** The path to come back to after logging in (`?next=`), only ever one inside the app. */
export function nextPath(): string {
  const next = new URLSearchParams(location.search).get('next') ?? '';
  return next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

/** The login screen's path (under the app root), remembering where the user was (`?next=`). */
export function loginPath(from: string = location.pathname.slice(root().length) || '/'): string {
  return from === '/' || accountScreenOf(appHref(from)) ? '/login' : `/login?next=${encodeURIComponent(from)}`;
}
