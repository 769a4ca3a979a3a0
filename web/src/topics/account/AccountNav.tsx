import { useState } from 'react';
import { serverConfig } from '../../shared/server-config.js';
import { AppLink } from './AppLink.js';
import { navigate } from './routes.js';
import { logout, useSession } from './session.js';

/**
 * The account's corner of the app's header: "Log in" / "Sign up" for a visitor, the user's name,
 * "Account" and "Log out" once logged in. A failed logout is reported (the session is dropped
 * here all the same).
 */
export function AccountNav() {
  const session = useSession();
  const [error, setError] = useState('');
  if (!session) {
    if (!serverConfig.enable_login && !serverConfig.require_login) return null;
    return (
      <nav className="account-nav" aria-label="Account">
        <AppLink to="/login">Log in</AppLink>
        {serverConfig.enable_signup && <AppLink to="/signup">Sign up</AppLink>}
      </nav>
    );
  }
  const out = async () => {
    setError('');
    try {
      await logout();
    } catch (err) {
      setError(`Logged out here, but the server did not confirm: ${err instanceof Error ? err.message : String(err)}`);
    }
    navigate(serverConfig.require_login ? '/login' : '/', true);
  };
  return (
    <nav className="account-nav" aria-label="Account">
      <span className="account-user">{session.username}</span>
      <AppLink to="/account">Account</AppLink>
      <button type="button" onClick={() => void out()}>Log out</button>
      {error && <span role="alert" className="account-error">{error}</span>}
    </nav>
  );
}
