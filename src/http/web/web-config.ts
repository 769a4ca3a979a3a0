import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from '../deps.js';

const PUBLIC = { config: { scope: 'public' as const } };

/**
 * `GET /config.js`: the settings ntfy's web app reads at start, in ntfy's shape and field order
 * (`var config = {…};`). `base_url` is empty, as in ntfy: the app then uses the origin it was
 * loaded from, which is right behind any proxy.
 */
export function registerWebConfigRoute(app: FastifyInstance, deps: HttpDeps, appRoot: string): void {
  const { config } = deps;
  const body = {
    base_url: '',
    app_root: appRoot,
    enable_login: config.enableLogin,
    require_login: config.requireLogin,
    enable_signup: config.enableSignup,
    // Payments (Stripe) are not part of Herald.
    enable_payments: false,
    enable_calls: config.twilioAccount !== '' && config.twilioVerifyService !== '',
    enable_emails: config.smtpSenderAddr !== '' && config.smtpSenderFrom !== '',
    enable_reservations: config.enableReservations,
    enable_web_push: deps.webPush !== undefined,
    billing_contact: '',
    web_push_public_key: deps.webPush?.publicKey ?? '',
    disallowed_topics: config.disallowedTopics,
  };
  const script = `// Generated server configuration\nvar config = ${JSON.stringify(body, null, 2)};\n`;
  app.get('/config.js', PUBLIC, async (_request, reply) =>
    reply.type('text/javascript').header('cache-control', 'no-cache').send(script),
  );
}
