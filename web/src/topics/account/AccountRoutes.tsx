import { lazy, Suspense } from 'react';
import { serverConfig } from '../../shared/server-config.js';
import { LoginScreen, SignupScreen } from './LoginScreen.js';
import type { AccountScreenName } from './routes.js';
import type { Session } from './session.js';

// The account page is not on the first screen: its code loads when it is opened.
const AccountScreen = lazy(() => import('./AccountScreen.js').then((m) => ({ default: m.AccountScreen })));

/** The account screen for `/login`, `/signup` or `/account`. */
export function AccountRoutes({ screen }: { screen: AccountScreenName }) {
  if (screen === 'login') return <LoginScreen />;
  if (screen === 'signup') return <SignupScreen />;
  return <Suspense fallback={<p role="status">Loading…</p>}><AccountScreen /></Suspense>;
}

/**
 * With `require_login`, a visitor sees only the login and sign-up screens: the screen to show
 * instead of the one asked for, or undefined when the asked one may be shown.
 */
export function requiredLoginScreen(session: Session | undefined, screen: AccountScreenName | undefined): AccountScreenName | undefined {
  if (!serverConfig.require_login || session) return undefined;
  return screen === 'signup' && serverConfig.enable_signup ? 'signup' : 'login';
}
