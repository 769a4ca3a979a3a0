import type { Config } from '../config/index.js';
import type { AuthService } from '../core/auth/auth-service.js';
import { parseProvisioning, ProvisioningError, type ProvisioningPlan } from '../core/auth/provisioning.js';
import { SYNC_EVENT_BODY } from '../core/auth/sync-topic.js';
import type { TopicService } from '../core/topics/topic-service.js';
import type { Logger } from '../ports/logger.js';

/**
 * The accounts `auth-users`, `auth-access` and `auth-tokens` define, checked before the server
 * opens anything: a bad entry stops the start with a {@link ProvisioningError} naming it.
 * Undefined while access control is off (no `auth-file` or `database-url` account store).
 */
export function accountProvisioning(config: Config, accountsStored: boolean): ProvisioningPlan | undefined {
  const plan = parseProvisioning({ users: config.authUsers, access: config.authAccess, tokens: config.authTokens, bcryptCost: config.authBcryptCost });
  if (accountsStored) return plan;
  if (plan.users.length > 0 || plan.access.length > 0 || plan.tokens.length > 0) {
    throw new ProvisioningError(['auth-users, auth-access and auth-tokens need access control on: set auth-file (or database-url)']);
  }
  return undefined;
}

/**
 * Brings the account database in line with the config (at every start: entries removed from the
 * config go from the database too), and publishes each account change as a sync event on the
 * account's sync topic, for the account's other browsers.
 */
export async function startAccounts(auth: AuthService, topics: TopicService, plan: ProvisioningPlan, logger: Logger): Promise<void> {
  await auth.provision(plan);
  if (plan.users.length > 0) logger.info({ users: plan.users.length, access: plan.access.length, tokens: plan.tokens.length }, 'accounts from the config applied');
  auth.onAccountChanged((syncTopic) => {
    topics.announce(syncTopic, SYNC_EVENT_BODY).catch((err: unknown) => logger.warn({ err }, 'sync event not published'));
  });
}
