import { baseUrl } from '../../shared/server-config.js';
import { addHeaderItem, addSettingsItem, setConnectionHelp, setLoginPrompt } from '../extensions.js';
import { settings, store } from '../state/index.js';
import { WebPushSetting } from '../push/WebPushSetting.js';
import { AccountNav } from './AccountNav.js';
import { AppLink } from './AppLink.js';
import { startAccount } from './index.js';
import { loginPath, navigate } from './routes.js';
import { getSession, sameServer } from './session.js';
import './account.css';

/**
 * Plugs the account side into the app shell (imported once by main.tsx): the login/account
 * corner of the header, "Log in" on a 401, what to do on a 403, the background-push switch in
 * the settings, and the sync with the account.
 */
addHeaderItem({ id: 'account', render: () => <AccountNav /> });
setLoginPrompt((server) => {
  if (sameServer(server, baseUrl)) navigate(loginPath());
});
setConnectionHelp((subscription, status) => {
  if (status !== 403 || !sameServer(subscription.baseUrl, baseUrl)) return null;
  if (!getSession()) return <span className="account-help"> This topic is not open to visitors: <AppLink to={loginPath()}>Log in</AppLink> to read it.</span>;
  return <span className="account-help"> Ask the server's administrator or the topic's owner for access.</span>;
});
addSettingsItem({ id: 'webpush', render: () => <WebPushSetting /> });
startAccount(store, settings);
