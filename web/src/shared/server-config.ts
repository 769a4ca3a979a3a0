/**
 * What `/config.js` says the server enables (ntfy's shape, read by ntfy's web app too). It is
 * loaded by a plain script tag before the app, so it is a global.
 */
export interface ServerConfig {
  base_url: string;
  app_root: string;
  enable_login: boolean;
  require_login: boolean;
  enable_signup: boolean;
  enable_payments: boolean;
  enable_calls: boolean;
  enable_emails: boolean;
  enable_reservations: boolean;
  enable_web_push: boolean;
  billing_contact: string;
  web_push_public_key: string;
  disallowed_topics: string[];
}

declare global {
  // eslint-disable-next-line no-var
  var config: ServerConfig | undefined;
}

const FALLBACK: ServerConfig = {
  base_url: '', app_root: '/', enable_login: false, require_login: false, enable_signup: false,
  enable_payments: false, enable_calls: false, enable_emails: false, enable_reservations: false,
  enable_web_push: false, billing_contact: '', web_push_public_key: '', disallowed_topics: [],
};

export const serverConfig: ServerConfig = { ...FALLBACK, ...(globalThis.config ?? {}) };

/** The origin API calls go to: the page's own unless the server names another. */
export const baseUrl: string = (serverConfig.base_url || globalThis.location?.origin || '').replace(/\/+$/, '');
