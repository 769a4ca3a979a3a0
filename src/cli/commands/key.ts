import { CLI_CONTEXT } from '../../core/audit/audit-trail.js';
import { parseScopes } from '../../core/keys/scopes.js';
import { API_SCOPES } from '../../core/keys/scopes.js';
import type { ApiKeyRecord } from '../../ports/api-key-store.js';
import { parseHumanDuration } from '../../util/durations.js';
import { openKeys } from '../../composition/cli-stores.js';
import type { CliIo } from '../io.js';
import { expectOperands, guarded, loadCliConfig, splitArgs, UsageError } from './account-db.js';

export const KEY_HELP = `Usage: herald key <subcommand> [options]

Manages API keys of the /v1 APIs in Herald's database (database-file). A key is printed once,
when it is made; only its hash is stored. Send it as 'Authorization: Bearer hk_...'.

Subcommands:
  create --name NAME --scopes LIST [--categories LIST] [--expires DURATION]
  list                         show every key (never the secret)
  revoke KEY_ID                stop a key at once
  rotate KEY_ID [--overlap D]  issue a successor; the old key keeps working for D (default 24h)

Options:
  -n, --name NAME          what the key is for, e.g. billing-service
  -s, --scopes LIST        comma list of: ${API_SCOPES.join(', ')}
                           (family:* takes every verb of a family)
      --categories LIST    notification categories the key may send in (default: any)
  -e, --expires DURATION   lifetime such as 90d; the default is no expiry
      --overlap DURATION   with rotate: how long the old key stays valid
  -c, --config FILE        YAML config file; any --<config key> VALUE is read too

Example:
  herald key create --name billing-service --scopes push:send,devices:write --categories orders,otp --expires 90d
`;

function duration(text: string | true | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  const ms = typeof text === 'string' ? parseHumanDuration(text) : undefined;
  if (ms === undefined) throw new UsageError(`--${what} needs a duration such as 90d or 12h`);
  return ms;
}

function date(seconds: number): string {
  return seconds > 0 ? new Date(seconds * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : 'never';
}

function describe(k: ApiKeyRecord): string {
  const state = k.revoked ? `revoked ${date(k.revoked)}` : k.expires && k.expires * 1000 < Date.now() ? 'expired' : 'active';
  return [
    `${k.id}  ${k.name}  (${state})`,
    `  prefix ${k.prefix}…  scopes ${k.scopes.join(',')}${k.categories.length ? `  categories ${k.categories.join(',')}` : ''}`,
    `  created ${date(k.created)}  expires ${date(k.expires)}  last used ${k.lastUsed ? date(k.lastUsed) : 'never'}`,
  ].join('\n');
}

/** `herald key`: create, list, revoke and rotate API keys. */
export async function runKey(args: string[], io: CliIo): Promise<number> {
  return guarded(io, 'key', async () => {
    const { positionals, own, configArgs } = splitArgs(args, [
      { long: 'name', short: 'n', value: true },
      { long: 'scopes', short: 's', value: true },
      { long: 'categories', value: true },
      { long: 'expires', short: 'e', value: true },
      { long: 'overlap', value: true },
    ]);
    const [sub, ...operands] = positionals;
    const config = loadCliConfig(configArgs, io.env);
    const { keys, close } = await openKeys(config);
    try {
      switch (sub) {
        case 'create': {
          expectOperands(operands, 0, 0, 'herald key create --name NAME --scopes LIST [--categories LIST] [--expires DURATION]');
          if (typeof own.name !== 'string') throw new UsageError('--name is required');
          if (typeof own.scopes !== 'string') throw new UsageError('--scopes is required');
          const expiresMs = duration(own.expires, 'expires');
          const categories = typeof own.categories === 'string' ? own.categories.split(',').map((c) => c.trim()).filter(Boolean) : [];
          const created = await keys.create(CLI_CONTEXT, { name: own.name, scopes: parseScopes(own.scopes), categories, ...(expiresMs !== undefined ? { expiresMs } : {}) });
          io.stdout.write(`${created.secret}\n`);
          io.stderr.write(`key ${created.key.id} created (${created.key.scopes.join(',')}), expires ${date(created.key.expires)}; it is shown only now\n`);
          return;
        }
        case 'list': {
          expectOperands(operands, 0, 0, 'herald key list');
          const all = await keys.list();
          io.stdout.write(all.length === 0 ? 'no API keys\n' : `${all.map(describe).join('\n')}\n`);
          return;
        }
        case 'revoke': {
          expectOperands(operands, 1, 1, 'herald key revoke KEY_ID');
          await keys.revoke(CLI_CONTEXT, operands[0]!);
          io.stdout.write(`key ${operands[0]} revoked\n`);
          return;
        }
        case 'rotate': {
          expectOperands(operands, 1, 1, 'herald key rotate KEY_ID [--overlap DURATION]');
          const overlap = duration(own.overlap, 'overlap') ?? 24 * 3600_000;
          const next = await keys.rotate(CLI_CONTEXT, operands[0]!, overlap);
          io.stdout.write(`${next.secret}\n`);
          io.stderr.write(`key ${next.key.id} replaces ${operands[0]}, which stays valid for ${Math.round(overlap / 3600_000)}h\n`);
          return;
        }
        default:
          throw new UsageError(sub ? `unknown subcommand '${sub}'` : 'missing subcommand');
      }
    } finally {
      await close();
    }
  });
}
