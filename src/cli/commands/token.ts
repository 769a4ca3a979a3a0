import type { AuthService } from '../../core/auth/auth-service.js';
import { EVERYONE } from '../../core/auth/names.js';
import type { TokenRecord } from '../../ports/auth-store.js';
import { parseHumanDuration } from '../../util/durations.js';
import type { CliIo } from '../io.js';
import { expectOperands, guarded, requireUser, splitArgs, UsageError, withAccounts } from './account-db.js';

export const TOKEN_HELP = `Usage: herald token <subcommand> [options]

Manages access tokens in the account database (auth-file). A token gives full access to its
user's account; send it as 'Authorization: Bearer tk_...'.

Subcommands:
  add [--label L] [--expires DURATION|never] USERNAME   create a token and print it
  list [USERNAME]                                       show tokens of one or all users
  remove USERNAME TOKEN                                 delete a token (alias: del)

Options:
  -l, --label LABEL         a note to tell tokens apart
  -e, --expires DURATION    lifetime such as 30d, 12h or '2 weeks'; 'never' (the default) for none
  -c, --config FILE         YAML config file (also HERALD_CONFIG); any --<config key> VALUE is read
                            too, e.g. --auth-file PATH (also HERALD_AUTH_FILE)

Examples:
  herald token add --label backup-script phil
  herald token add --expires 30d phil
  herald token remove phil tk_7ztwq7kgfnxocuyzvyra8ftxpd1la
`;

/** `herald token`: add, list and remove access tokens. */
export async function runToken(args: string[], io: CliIo): Promise<number> {
  const out = io.stdout;
  return guarded(io, 'token', async () => {
    const { positionals, own, configArgs } = splitArgs(args, [
      { long: 'label', short: 'l', value: true },
      { long: 'expires', short: 'e', value: true },
    ]);
    const [sub, ...operands] = positionals;
    if ((own.label !== undefined || own.expires !== undefined) && sub !== 'add') throw new UsageError('--label and --expires only apply to add');
    switch (sub) {
      case 'add': {
        expectOperands(operands, 1, 1, 'herald token add [--label L] [--expires DURATION|never] USERNAME');
        const name = operands[0]!;
        const lifetimeMs = parseExpiry(own.expires === undefined ? 'never' : String(own.expires));
        return withAccounts(configArgs, io.env, async (auth) => {
          await requireUser(auth, name);
          const expiresSec = lifetimeMs === 0 ? 0 : Math.floor((Date.now() + lifetimeMs) / 1000);
          const options = own.label === undefined ? { expiresSec } : { expiresSec, label: String(own.label) };
          const token = await auth.createTokenFor(name, options);
          const until = token.expires === 0 ? 'never expires' : `expires ${formatTime(token.expires)}`;
          out.write(`token ${token.token} created for user ${name}, ${until}\n`);
        });
      }
      case 'list': {
        expectOperands(operands, 0, 1, 'herald token list [USERNAME]');
        return withAccounts(configArgs, io.env, async (auth) => {
          const names = operands[0] !== undefined ? [operands[0]] : (await auth.listUsers()).map((u) => u.username).filter((n) => n !== EVERYONE);
          const sections: string[] = [];
          for (const name of names) sections.push(await listTokens(auth, name));
          out.write(names.length === 0 ? 'no users\n' : sections.join(''));
        });
      }
      case 'remove':
      case 'del': {
        expectOperands(operands, 2, 2, `herald token ${sub} USERNAME TOKEN`);
        const [name, token] = operands as [string, string];
        return withAccounts(configArgs, io.env, async (auth) => {
          await requireUser(auth, name);
          await auth.removeTokenOf(name, token);
          out.write(`token ${token} removed for user ${name}\n`);
        });
      }
      case undefined:
        throw new UsageError('a subcommand is required: add, list or remove');
      default:
        throw new UsageError(`unknown subcommand '${sub}'`);
    }
  });
}

/** Milliseconds of lifetime; 0 for tokens that never expire. */
function parseExpiry(s: string): number {
  if (/^(never|0)$/i.test(s.trim())) return 0;
  const ms = parseHumanDuration(s);
  if (ms === undefined || ms <= 0) throw new UsageError(`invalid --expires '${s}': use a duration such as 30d or 12h, or 'never'`);
  return ms;
}

async function listTokens(auth: AuthService, name: string): Promise<string> {
  await requireUser(auth, name);
  const tokens = await auth.tokensOf(name);
  if (tokens.length === 0) return `user ${name} has no access tokens\n`;
  return `user ${name}\n${tokens.map((t) => `- ${describe(t)}\n`).join('')}`;
}

function describe(t: TokenRecord): string {
  const label = t.label ? ` (${t.label})` : '';
  const nowSec = Date.now() / 1000;
  const expiry = t.expires === 0 ? 'never expires' : t.expires < nowSec ? `expired ${formatTime(t.expires)}` : `expires ${formatTime(t.expires)}`;
  const access = t.lastAccess === 0 ? 'never used' : `last access ${formatTime(t.lastAccess)}${t.lastOrigin ? ` from ${t.lastOrigin}` : ''}`;
  return `${t.token}${label}, ${expiry}, ${access}`;
}

/** Unix seconds as `2025-03-01 14:05:00 UTC`: unambiguous wherever the log is read. */
function formatTime(sec: number): string {
  return new Date(sec * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}
