import { lazy, Suspense, useEffect, useState, type ReactNode } from 'react';
import { serverConfig } from '../../shared/server-config.js';
import { AccountNav } from './AccountNav.js';
import { AppLink } from './AppLink.js';
import { LoginScreen, SignupScreen } from './LoginScreen.js';
import { accountScreenOf, type AccountScreenName } from './routes.js';
import { useSession, type Session } from './session.js';

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

/**
 * Shows the account screen the address names (`/login`, `/signup`, `/account`), or the login
 * screen where `require_login` keeps visitors out; otherwise the app itself (`children`).
 */
export function AccountSwitch({ children }: { children: ReactNode }) {
  const session = useSession();
  const [path, setPath] = useState(() => location.pathname);
  useEffect(() => {
    const moved = () => setPath(location.pathname);
    addEventListener('popstate', moved);
    return () => removeEventListener('popstate', moved);
  }, []);
  const asked = accountScreenOf(path);
  const screen = requiredLoginScreen(session, asked) ?? asked;
  if (!screen) return <>{children}</>;
  return (
    <div className="account-layout">
      <header className="account-header">
        {serverConfig.require_login && !session ? <span className="account-brand">Herald</span> : <AppLink to="/" className="account-brand">Herald</AppLink>}
        <AccountNav />
      </header>
      <main className="account-main"><AccountRoutes screen={screen} /></main>
    </div>
  );
}
