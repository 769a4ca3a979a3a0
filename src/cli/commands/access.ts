import type { AuthService, UserSummary } from '../../core/auth/auth-service.js';
import { EVERYONE } from '../../core/auth/names.js';
import { parsePermission } from '../../core/auth/permissions.js';
import { HeraldError } from '../../errors/index.js';
import type { CliIo } from '../io.js';
import { accessPhrase, CliFailure, formatUser, guarded, requireUser, splitArgs, UsageError, userArg, withAccounts } from './account-db.js';

export const ACCESS_HELP = `Usage: herald access [USERNAME [TOPIC PERMISSION]]
       herald access --reset [USERNAME [TOPIC]]

Shows and changes topic access entries in the account database (auth-file). A running server
applies changes within a second.

  herald access                             list every user's access entries
  herald access USERNAME                    list one user's entries
  herald access USERNAME TOPIC PERMISSION   grant PERMISSION on TOPIC
  herald access --reset                     remove every access entry of every user
  herald access --reset USERNAME            remove all of USERNAME's entries
  herald access --reset USERNAME TOPIC      remove one entry

USERNAME may be '*' or 'everyone' for anonymous users. TOPIC may contain '*' as a wildcard.
PERMISSION is read-write (rw), read-only (read, ro), write-only (write, wo) or deny (deny-all, none).
Admins may do everything; entries for them have no effect.

Options:
  -r, --reset         remove entries instead of listing or granting
  -c, --config FILE   YAML config file (also HERALD_CONFIG); any --<config key> VALUE is read too,
                      e.g. --auth-file PATH (also HERALD_AUTH_FILE)

Examples:
  herald access phil 'alerts*' rw
  herald access everyone announcements read-only
  herald access --reset phil alerts*
`;

/** `herald access`: list, grant and reset ACL entries. */
export async function runAccess(args: string[], io: CliIo): Promise<number> {
  const out = io.stdout;
  return guarded(io, 'access', async () => {
    const { positionals, own, configArgs } = splitArgs(args, [{ long: 'reset', short: 'r', value: false }]);
    const [rawUser, topic, permissionArg] = positionals;
    const name = rawUser === undefined ? undefined : userArg(rawUser);
    if (own.reset) {
      if (positionals.length > 2) throw new UsageError('usage: herald access --reset [USERNAME [TOPIC]]');
      return withAccounts(configArgs, io.env, (auth) => reset(out, auth, name, topic));
    }
    if (positionals.length === 2 || positionals.length > 3) throw new UsageError('usage: herald access [USERNAME [TOPIC PERMISSION]]');
    if (permissionArg !== undefined) {
      // Before opening the database, so a typo costs nothing.
      const permission = parsePermission(permissionArg);
      return withAccounts(configArgs, io.env, async (auth) => {
        const user = await summaryOf(auth, name!);
        if (user.role === 'admin') throw new CliFailure(`user ${user.username} is an admin and may access every topic; access entries would have no effect`);
        await auth.grant(user.username, topic!, permission);
        const verb = permission === 'deny-all' ? 'revoked all access to' : `granted ${accessPhrase(permission)}`;
        out.write(`${verb} topic ${topic} for user ${user.username}\n\n`);
        out.write(formatUser(await summaryOf(auth, user.username), auth.defaultAccess));
      });
    }
    return withAccounts(configArgs, io.env, async (auth) => {
      const users = name === undefined ? await auth.listUsers() : [await summaryOf(auth, name)];
      out.write(users.map((u) => formatUser(u, auth.defaultAccess)).join(''));
    });
  });
}

async function summaryOf(auth: AuthService, name: string): Promise<UserSummary> {
  if (name !== EVERYONE) await requireUser(auth, name);
  const user = (await auth.listUsers()).find((u) => u.username === name);
  if (!user) throw new HeraldError('userNotFound', { detail: name });
  return user;
}

/** Removes entries and says which ones went, since nothing asks for confirmation. */
async function reset(out: NodeJS.WritableStream, auth: AuthService, name: string | undefined, topic: string | undefined): Promise<void> {
  const users = name === undefined ? await auth.listUsers() : [await summaryOf(auth, name)];
  let removed = 0;
  for (const user of users) {
    const gone = user.grants.filter((g) => topic === undefined || g.topic === topic);
    if (gone.length === 0) continue;
    await auth.resetAccess(user.username, topic);
    removed += gone.length;
    out.write(`reset access for user ${user.username}: ${gone.map((g) => `${g.topic} (${g.permission})`).join(', ')}\n`);
  }
  if (removed === 0) {
    const what = name === undefined ? 'no access entries' : topic === undefined ? `user ${name} has no access entries` : `user ${name} has no entry for topic ${topic}`;
    out.write(`${what}; nothing to reset\n`);
  }
}
