import type { UserRecord } from '../../ports/auth-store.js';
import { EVERYONE, isValidTopicPattern, isValidUsername } from './names.js';
import { parsePermission, permissionFlags } from './permissions.js';

/** The config keys that define accounts declaratively (ntfy 2.14's `auth-users`, `auth-access`, `auth-tokens`). */
export interface ProvisioningConfig {
  users: readonly string[];
  access: readonly string[];
  tokens: readonly string[];
  /** `auth-bcrypt-cost`: a configured hash must be at least this strong, as ntfy requires. */
  bcryptCost: number;
}

/** The accounts those keys define, checked. */
export interface ProvisioningPlan {
  users: { name: string; passwordHash: string; role: UserRecord['role'] }[];
  access: { user: string | null; pattern: string; read: boolean; write: boolean }[];
  tokens: { user: string; token: string; label: string }[];
}

/** Every bad entry of the three keys, each named, so the operator fixes them in one round. */
export class ProvisioningError extends Error {
  override readonly name = 'ProvisioningError';
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid configuration (${problems.length === 1 ? '1 problem' : `${problems.length} problems`}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

// bcrypt's modular crypt format: version, two-digit cost, 22 characters of salt and 31 of hash.
const BCRYPT_HASH = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/;
// ntfy's shape for tokens it accepts from the config: wider than the ones Herald generates.
const CONFIG_TOKEN = /^tk_[-_A-Za-z0-9]{29}$/;

/**
 * Reads `auth-users` (`name:bcrypt-hash:role`), `auth-access` (`name:topic-pattern:permission`,
 * `*` or `everyone` for everyone) and `auth-tokens` (`name:tk_token[:label]`). Access entries and
 * tokens may only name users of `auth-users`, and admins get no access entries (they need none),
 * as in ntfy. Throws a {@link ProvisioningError} listing every bad entry; tokens are never echoed.
 */
export function parseProvisioning(config: ProvisioningConfig): ProvisioningPlan {
  const problems: string[] = [];
  const plan: ProvisioningPlan = { users: [], access: [], tokens: [] };

  const roles = new Map<string, UserRecord['role']>();
  for (const line of config.users) {
    const fail = (why: string) => problems.push(`auth-users entry '${line}': ${why}`);
    const parts = line.split(':');
    if (parts.length !== 3) {
      fail("expected 'name:bcrypt-hash:role'");
      continue;
    }
    const [name, hash, role] = parts as [string, string, string];
    const cost = BCRYPT_HASH.exec(hash)?.[1];
    if (!isValidUsername(name)) fail('invalid user name (letters, digits and -_.+@)');
    else if (roles.has(name)) fail(`user ${name} is defined twice`);
    else if (cost === undefined) fail("the password must be a bcrypt hash ($2a$, $2b$ or $2y$), e.g. from 'htpasswd -bnBC 10 \"\" password'");
    else if (Number(cost) < config.bcryptCost) fail(`the hash's bcrypt cost ${Number(cost)} is below auth-bcrypt-cost (${config.bcryptCost})`);
    else if (role !== 'user' && role !== 'admin') fail("role must be 'user' or 'admin'");
    else {
      roles.set(name, role);
      plan.users.push({ name, passwordHash: hash, role });
    }
  }

  const accessSeen = new Set<string>();
  for (const line of config.access) {
    const fail = (why: string) => problems.push(`auth-access entry '${line}': ${why}`);
    const parts = line.split(':');
    if (parts.length !== 3) {
      fail("expected 'name:topic-pattern:permission'");
      continue;
    }
    const [name, pattern, permissionText] = parts as [string, string, string];
    const everyone = name === EVERYONE || name === 'everyone';
    let permission;
    try {
      permission = parsePermission(permissionText);
    } catch {
      fail('permission must be read-write (rw), read-only (ro), write-only (wo) or deny-all (none)');
      continue;
    }
    const key = `${everyone ? EVERYONE : name}:${pattern}`;
    if (!everyone && !roles.has(name)) fail(`user ${name} is not defined in auth-users`);
    else if (roles.get(name) === 'admin') fail(`user ${name} is an admin; admins may do everything and take no access entries`);
    else if (!isValidTopicPattern(pattern)) fail('invalid topic pattern (letters, digits, - and _, * as a wildcard, at most 64)');
    else if (accessSeen.has(key)) fail(`access to ${pattern} for ${everyone ? 'everyone' : name} is defined twice`);
    else {
      accessSeen.add(key);
      plan.access.push({ user: everyone ? null : name, pattern, ...permissionFlags(permission) });
    }
  }

  const tokensSeen = new Set<string>();
  for (const [i, line] of config.tokens.entries()) {
    const parts = line.split(':');
    const name = parts[0] ?? '';
    // The token is a secret: the entry is named by its position and user, never echoed.
    const fail = (why: string) => problems.push(`auth-tokens entry ${i + 1} (user '${name}'): ${why}`);
    if (parts.length < 2 || parts.length > 3) {
      fail("expected 'name:tk_token' or 'name:tk_token:label'");
      continue;
    }
    const token = parts[1]!;
    const label = parts[2] ?? '';
    if (!roles.has(name)) fail(`user ${name} is not defined in auth-users`);
    else if (!CONFIG_TOKEN.test(token)) fail('the token must be tk_ and 29 letters, digits, - or _');
    else if (tokensSeen.has(token)) fail('the same token is defined twice');
    else if (label.length > 200) fail('the label is longer than 200 characters');
    else {
      tokensSeen.add(token);
      plan.tokens.push({ user: name, token, label });
    }
  }

  if (problems.length > 0) throw new ProvisioningError(problems);
  return plan;
}
