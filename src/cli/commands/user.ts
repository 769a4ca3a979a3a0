import { HeraldError } from '../../errors/index.js';
import { isValidTierCode } from '../../core/auth/tier-service.js';
import type { CliIo } from '../io.js';
import { promptHidden, readInputLine } from '../prompt.js';
import { CliFailure, expectOperands, formatUser, guarded, requireUser, splitArgs, UsageError, withAccounts } from './account-db.js';

export const USER_HELP = `Usage: herald user <subcommand> [options]

Manages the accounts in the account database (auth-file; with database-url, PostgreSQL). A
running server picks up changes within a second.

Subcommands:
  add [--role admin|user] USERNAME    add a user (role: user unless given)
  del USERNAME                        remove a user with their tokens and access entries (alias: remove)
  change-pass USERNAME                set a new password
  change-role USERNAME admin|user     change a user's role
  change-tier USERNAME TIER|-         give a user a tier (see 'herald tier'), or take it away with -
  list                                show every user with role and access entries

Passwords come from $HERALD_PASSWORD; otherwise they are asked for twice at a terminal, or one
line is read from standard input when it is not a terminal.

Options:
  -r, --role ROLE     role of the new user: admin or user
  -c, --config FILE   YAML config file (also HERALD_CONFIG); any --<config key> VALUE is read too,
                      e.g. --auth-file PATH (also HERALD_AUTH_FILE)

Examples:
  HERALD_PASSWORD=secret herald user add --role admin phil
  herald user change-role phil user
  herald user change-tier phil pro
  herald user list
`;

/** `herald user`: add, del/remove, change-pass, change-role and list. */
export async function runUser(args: string[], io: CliIo): Promise<number> {
  const out = (line: string): void => void io.stdout.write(`${line}\n`);
  return guarded(io, 'user', async () => {
    const { positionals, own, configArgs } = splitArgs(args, [{ long: 'role', short: 'r', value: true }]);
    const [sub, ...operands] = positionals;
    if (own.role !== undefined && sub !== 'add') throw new UsageError('--role only applies to add');
    switch (sub) {
      case 'add': {
        expectOperands(operands, 1, 1, 'herald user add [--role admin|user] USERNAME');
        const role = parseRole(own.role === undefined ? 'user' : String(own.role));
        const name = operands[0]!;
        if (name === 'everyone') throw new CliFailure("the name 'everyone' stands for anonymous users and cannot be an account");
        return withAccounts(configArgs, io.env, async (auth) => {
          // Checked first so nobody types a password twice only to learn the name is taken.
          if (await auth.userExists(name)) throw new HeraldError('userExists', { detail: name });
          await auth.addUser(name, await readPassword(io), role);
          out(`user ${name} added with role ${role}`);
        });
      }
      case 'del':
      case 'remove': {
        expectOperands(operands, 1, 1, `herald user ${sub} USERNAME`);
        const name = operands[0]!;
        return withAccounts(configArgs, io.env, async (auth) => {
          await requireUser(auth, name);
          await auth.removeUser(name);
          out(`user ${name} removed`);
        });
      }
      case 'change-pass': {
        expectOperands(operands, 1, 1, 'herald user change-pass USERNAME');
        const name = operands[0]!;
        return withAccounts(configArgs, io.env, async (auth) => {
          await requireUser(auth, name);
          await auth.changePassword(name, await readPassword(io));
          out(`changed password for user ${name}`);
        });
      }
      case 'change-role': {
        expectOperands(operands, 2, 2, 'herald user change-role USERNAME admin|user');
        const name = operands[0]!;
        const role = parseRole(operands[1]!);
        return withAccounts(configArgs, io.env, async (auth) => {
          await requireUser(auth, name);
          await auth.changeRole(name, role);
          out(`changed role for user ${name} to ${role}`);
        });
      }
      case 'change-tier': {
        expectOperands(operands, 2, 2, 'herald user change-tier USERNAME TIER|-');
        const name = operands[0]!;
        const tier = operands[1]!;
        if (name === 'everyone' || name === '*') throw new CliFailure('everyone (anonymous users) cannot have a tier');
        if (tier !== '-' && !isValidTierCode(tier)) throw new UsageError('invalid tier: a tier code, or - to take the tier away');
        return withAccounts(configArgs, io.env, async (auth, _config, tiers) => {
          await requireUser(auth, name);
          await tiers.setUserTier(name, tier === '-' ? null : tier);
          out(tier === '-' ? `removed tier from user ${name}` : `changed tier for user ${name} to ${tier}`);
        });
      }
      case 'list': {
        expectOperands(operands, 0, 0, 'herald user list');
        return withAccounts(configArgs, io.env, async (auth) => {
          io.stdout.write((await auth.listUsers()).map((u) => formatUser(u, auth.defaultAccess)).join(''));
        });
      }
      case undefined:
        throw new UsageError('a subcommand is required: add, del, change-pass, change-role, change-tier or list');
      default:
        throw new UsageError(`unknown subcommand '${sub}'`);
    }
  });
}

function parseRole(s: string): 'admin' | 'user' {
  if (s === 'admin' || s === 'user') return s;
  throw new UsageError(`role must be admin or user, not '${s}'`);
}

/** $HERALD_PASSWORD, else a hidden prompt (twice) at a terminal, else one line of piped input. */
async function readPassword(io: CliIo): Promise<string> {
  const fromEnv = io.env.HERALD_PASSWORD;
  let password: string;
  if (fromEnv !== undefined) password = fromEnv;
  else if (io.stdin.isTTY) {
    password = await ask(io, 'password: ');
    if ((await ask(io, 'confirm: ')) !== password) throw new CliFailure("passwords don't match");
  } else {
    const line = await readInputLine(io);
    if (line === undefined) throw new CliFailure('no password on standard input (set HERALD_PASSWORD or pipe one line)');
    password = line;
  }
  if (!password) throw new CliFailure('password cannot be empty');
  return password;
}

/** The prompt, or a refusal when it is cancelled. */
async function ask(io: CliIo, prompt: string): Promise<string> {
  const line = await promptHidden(io, prompt);
  if (line === undefined) throw new CliFailure('cancelled');
  return line;
}
