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

/**
 * What to show where a topic's stream (or a publish) was refused: 401 means the credentials
 * were refused (log in again); 403 for a visitor means the topic is not open to visitors (log
 * in); 403 for a logged-in user means this user may not (ask for access). Nothing for other
 * statuses: the caller shows the worded error itself.
 */
export function TopicAccessProblem({ status, topic, loggedIn, from }: { status: number | undefined; topic: string; loggedIn: boolean; from?: string }) {
  if (status === 401) return <LoginPrompt from={from} reason={loggedIn ? `Your login was refused while reading ${topic}; it may have expired.` : `Topic ${topic} needs a login.`} />;
  if (status !== 403) return null;
  if (!loggedIn) return <LoginPrompt from={from} reason={`Topic ${topic} is not open to visitors: it needs a login.`} />;
  return <NotAllowed reason={`You are not allowed to read topic ${topic}.`} />;
}
