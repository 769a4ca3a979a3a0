import type { SubscriptionStore } from '../state/index.js';
import type { SettingsStore } from '../state/settings.js';
import { resend, setWebPushTopics } from '../push/web-push.js';
import { ownBaseUrl, startAccountSync } from './account-sync.js';
import { extendSession, getSession, onSessionChange } from './session.js';

/**
 * The account side of the topics app, for the app shell to wire in:
 * - `startAccount(store, settings)` once at start: credentials for the streams, subscription and
 *   settings sync with the account, the topic list for background Web Push.
 * - `AccountRoutes`/`accountScreenOf` for `/login`, `/signup`, `/account`; `requiredLoginScreen`
 *   for `require_login`; `AccountNav` for the header; `LoginPrompt`/`NotAllowed` where a topic
 *   answered 401/403; `WebPushSetting` for the settings screen.
 */
export { AccountNav } from './AccountNav.js';
export { AccountRoutes, AccountSwitch, requiredLoginScreen } from './AccountRoutes.js';
export { LoginPrompt, NotAllowed, TopicAccessProblem } from './LoginPrompt.js';
export { accountScreenOf, navigate, appHref } from './routes.js';
export { useSession, getSession, credentialsFor, withStreamAuth } from './session.js';
export { onSyncFailure } from './account-sync.js';
export { WebPushSetting } from '../push/WebPushSetting.js';

let started = false;

export function startAccount(store: SubscriptionStore, settings: SettingsStore): void {
  if (started) return;
  started = true;
  startAccountSync(store, settings);

  const own = ownBaseUrl();
  const pushTopics = () => setWebPushTopics(store.list().filter((s) => s.baseUrl === own).map((s) => s.topic));
  store.subscribe((change) => {
    if (change.kind === 'added' || change.kind === 'removed' || change.kind === 'reloaded') pushTopics();
  });
  pushTopics();
  // Herald checks read access with the caller's credentials: after a login or logout, send again.
  onSessionChange(() => resend());

  // A user who keeps using the app stays logged in: the session token is extended at each start.
  if (getSession()) extendSession().catch((err: unknown) => console.warn('session not extended', err));
}
