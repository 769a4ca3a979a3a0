import { serverConfig } from '../../shared/server-config.js';
import { AppLink } from './AppLink.js';
import { loginPath } from './routes.js';

/**
 * What a screen shows where the server answered 401: why, in words, and the way to log in (and
 * to sign up, where the server allows it). `from` is where to come back to after logging in.
 */
export function LoginPrompt({ reason, from }: { reason: string; from?: string }) {
  return (
    <div className="account-prompt" role="alert">
      <p>{reason}</p>
      <p>
        <AppLink to={loginPath(from)}>Log in</AppLink>
        {serverConfig.enable_signup && <> or <AppLink to="/signup">sign up</AppLink></>}
        {' '}to continue.
      </p>
    </div>
  );
}

/** What a screen shows where the server answered 403: the user is known but may not do it. */
export function NotAllowed({ reason }: { reason: string }) {
  return <div className="account-prompt" role="alert"><p>{reason}</p><p>Ask the server's administrator (or the topic's owner) for access.</p></div>;
}
