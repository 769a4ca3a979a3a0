import { CONFIG_KEYS, loadConfig, type Config } from '../../config/index.js';
import type { AuthService, UserSummary } from '../../core/auth/auth-service.js';
import type { TierService } from '../../core/auth/tier-service.js';
import { EVERYONE } from '../../core/auth/names.js';
import type { Permission } from '../../core/auth/permissions.js';
import { HeraldError, isHeraldError } from '../../errors/index.js';
import { openAuth } from '../../composition/cli-stores.js';
import { chooseConfigFile, parseServeFlags, unknownFlagMessage, type ChosenConfigFile } from '../config-flags.js';
import type { CliIo } from '../io.js';

/**
 * Shared plumbing of `herald user`, `herald access` and `herald token`, which (as in ntfy) edit the
 * account database file directly; a running server notices the change by itself.
 */

/** A mistake on the command line: reported with exit status 2. */
export class UsageError extends Error {}

export interface OwnFlag {
  long: string;
  short?: string;
  /** false for switches such as --reset. */
  value: boolean;
}

export interface SplitArgs {
  positionals: string[];
  own: Record<string, string | true>;
  /** Everything meant for the config loader, in parseServeFlags's syntax. */
  configArgs: string[];
}

const CONFIG_FLAGS = new Map(CONFIG_KEYS.map((k) => [k.kebab, k.kind === 'boolean']));
const BOOLEAN_WORD = /^(true|false|yes|no|on|off|1|0)$/i;

/**
 * Separates a command's own options and operands from config options (`-c`, `--config`, or any
 * `--<config key>`), so `herald user add --auth-file x.db phil` works like `herald serve` does.
 */
export function splitArgs(args: readonly string[], flags: readonly OwnFlag[]): SplitArgs {
  const out: SplitArgs = { positionals: [], own: {}, configArgs: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      out.positionals.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      out.positionals.push(arg);
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(2, eq) : arg.replace(/^--?/, '');
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const own = flags.find((f) => (arg.startsWith('--') ? f.long === name : f.short === name));
    if (own) {
      if (!own.value) {
        if (inline !== undefined) throw new UsageError(`--${own.long} takes no value`);
        out.own[own.long] = true;
      } else if (inline !== undefined) out.own[own.long] = inline;
      else if (i + 1 < args.length) out.own[own.long] = args[++i]!;
      else throw new UsageError(`--${own.long} needs a value`);
      continue;
    }
    const isConfig = arg === '-c' || (arg.startsWith('--') && (name === 'config' || CONFIG_FLAGS.has(name.replaceAll('_', '-'))));
    if (!isConfig) throw new UsageError(arg.startsWith('--') ? unknownFlagMessage(name) : `unknown option '${arg}'`);
    out.configArgs.push(arg);
    if (inline !== undefined) continue;
    const next = args[i + 1];
    // Mirrors parseServeFlags: a boolean key takes the next word only when it reads as a boolean.
    const takesNext = next !== undefined && !next.startsWith('--') && (!CONFIG_FLAGS.get(name.replaceAll('_', '-')) || BOOLEAN_WORD.test(next));
    if (takesNext) out.configArgs.push(args[++i]!);
  }
  return out;
}

/** Checks the operand count; `usage` is the synopsis shown when it is wrong. */
export function expectOperands(positionals: readonly string[], min: number, max: number, usage: string): void {
  if (positionals.length < min || positionals.length > max) throw new UsageError(`usage: ${usage}`);
}

/** AuthService's not-found error does not say which name; the CLI's should. */
export async function requireUser(auth: AuthService, name: string): Promise<void> {
  if (!(await auth.userExists(name))) throw new HeraldError('userNotFound', { detail: name });
}

/** `everyone` is the CLI's spelling of `*`, as in ntfy. */
export function userArg(name: string): string {
  return name === 'everyone' ? EVERYONE : name;
}

/** A refusal that is not a HeraldError (e.g. mismatched passwords): exit status 1. */
export class CliFailure extends Error {}

/** Config trouble (bad file, bad value, no auth-file): exit status 2, like `herald serve`. */
class ConfigProblem extends Error {}

/**
 * Loads the config exactly as `herald serve` would, opens the account database and runs `work`
 * on it, closing the database however `work` ends.
 */
export async function withAccounts(configArgs: readonly string[], env: NodeJS.ProcessEnv, work: (auth: AuthService, config: Config, tiers: TierService) => Promise<void>): Promise<void> {
  const { config, chosen } = readCliConfig(configArgs, env);
  const accounts = await openAuth(config);
  if (!accounts) {
    const where = chosen.file === undefined ? 'no config file was found' : `${chosen.file} does not set it`;
    throw new ConfigProblem(`auth-file is not set (${where}); pass --auth-file PATH or -c FILE, or set it in the config`);
  }
  try {
    await work(accounts.auth, config, accounts.tiers);
  } finally {
    await accounts.close();
  }
}

/**
 * The config exactly as `herald serve` would load it, from the same file (`--config`,
 * `$HERALD_CONFIG` or a default location); trouble is a ConfigProblem (exit 2).
 */
export function loadCliConfig(configArgs: readonly string[], env: NodeJS.ProcessEnv): Config {
  return readCliConfig(configArgs, env).config;
}

function readCliConfig(configArgs: readonly string[], env: NodeJS.ProcessEnv): { config: Config; chosen: ChosenConfigFile } {
  try {
    const parsed = parseServeFlags([...configArgs]);
    const chosen = chooseConfigFile(parsed.config, env);
    return { config: loadConfig({ ...(chosen.file === undefined ? {} : { file: chosen.file }), env, flags: parsed.flags }).config, chosen };
  } catch (err) {
    throw new ConfigProblem((err as Error).message);
  }
}

/** Runs a command and maps what it throws to a message and an exit status. */
export async function guarded(io: CliIo, command: string, body: () => Promise<void>): Promise<number> {
  const fail = (message: string, code: number): number => {
    io.stderr.write(`herald ${command}: ${message}\n`);
    return code;
  };
  try {
    await body();
    return 0;
  } catch (err) {
    if (err instanceof UsageError) return fail(`${err.message}\nRun 'herald ${command} --help' for usage.`, 2);
    if (err instanceof ConfigProblem) return fail(err.message, 2);
    if (err instanceof CliFailure || isHeraldError(err)) return fail(err.message, 1);
    throw err;
  }
}

const ACCESS_PHRASE: Record<Permission, string> = {
  'read-write': 'read-write access to',
  'read-only': 'read-only access to',
  'write-only': 'write-only access to',
  'deny-all': 'no access to',
};

/** ntfy's `user list` layout: a header line per user, then one `- …` line per grant. */
export function formatUser(user: UserSummary, defaultAccess: Permission): string {
  const everyone = user.username === EVERYONE;
  const tier = user.tier === undefined ? '' : `, tier: ${user.tier}`;
  const provisioned = user.provisioned ? ', from the server config' : '';
  const lines = [`user ${user.username} (role: ${everyone ? 'anonymous' : user.role}${tier}${provisioned})`];
  if (user.role === 'admin') lines.push('- read-write access to all topics (admin role)');
  else if (user.grants.length === 0) lines.push('- no topic-specific permissions');
  else for (const g of user.grants) lines.push(`- ${ACCESS_PHRASE[g.permission]} topic ${g.topic}`);
  if (everyone) {
    const rest = defaultAccess === 'deny-all' ? 'no access to any (other) topics' : `${ACCESS_PHRASE[defaultAccess]} all (other) topics`;
    lines.push(`- ${rest} (server config)`);
  }
  return `${lines.join('\n')}\n`;
}

export function accessPhrase(permission: Permission): string {
  return ACCESS_PHRASE[permission];
}
