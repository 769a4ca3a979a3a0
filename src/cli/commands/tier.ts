import type { TierRecord } from '../../ports/auth-store.js';
import type { TierFields } from '../../core/auth/tier-service.js';
import { isValidTierCode } from '../../core/auth/tier-service.js';
import { parseHumanDuration, parseSize } from '../../util/durations.js';
import type { CliIo } from '../io.js';
import { expectOperands, guarded, splitArgs, UsageError, withAccounts, type OwnFlag } from './account-db.js';

export const TIER_HELP = `Usage: herald tier <subcommand> [options]

Manages tiers in the account database (auth-file; with database-url, PostgreSQL). A tier gives
its users their own limits instead of the visitor limits of server.yml, and lets them reserve
topics. Give a user a tier with 'herald user change-tier USERNAME TIER'. A running server applies
changes within a second.

Subcommands:
  add [options] CODE       add a tier (limits not given take the defaults below)
  change [options] CODE    change the given limits of a tier
  del CODE                 remove a tier no user has any more (aliases: remove, rm)
  list                     show every tier with its limits

Options (add, change):
  --name NAME                           display name (default: the code)
  --message-limit N                     messages per day (default 5000)
  --message-expiry-duration DURATION    how long messages stay in the cache (default 12h)
  --email-limit N                       e-mails per day (default 20)
  --call-limit N                        phone calls per day (default 0)
  --reservation-limit N                 topics a user may reserve (default 3)
  --attachment-file-size-limit SIZE     largest upload (default 15M)
  --attachment-total-size-limit SIZE    all of a user's stored uploads (default 100M)
  --attachment-expiry-duration DURATION how long uploads are kept (default 6h)
  --attachment-bandwidth-limit SIZE     upload and download bytes per day (default 1G)
  --ignore-exists                       add: succeed without change if the tier exists
  -c, --config FILE                     YAML config file (also HERALD_CONFIG); any --<config key>
                                        VALUE is read too, e.g. --auth-file PATH

Durations: 30m, 12h, 2d; sizes: 500k, 15M, 1G (binary units).

Examples:
  herald tier add --name Pro --message-limit 10000 --reservation-limit 10 pro
  herald tier change --attachment-file-size-limit 100M pro
  herald user change-tier phil pro
  herald tier del pro
`;

/** ntfy's `tier add` defaults. */
const DEFAULTS: Omit<TierFields, 'code' | 'name'> = {
  messagesLimit: 5000,
  messagesExpiryDuration: 12 * 3600,
  emailsLimit: 20,
  callsLimit: 0,
  reservationsLimit: 3,
  attachmentFileSizeLimit: 15 * 1024 ** 2,
  attachmentTotalSizeLimit: 100 * 1024 ** 2,
  attachmentExpiryDuration: 6 * 3600,
  attachmentBandwidthLimit: 1024 ** 3,
};

type Kind = 'count' | 'duration' | 'size';
const LIMIT_FLAGS: readonly { flag: string; field: keyof typeof DEFAULTS; kind: Kind }[] = [
  { flag: 'message-limit', field: 'messagesLimit', kind: 'count' },
  { flag: 'message-expiry-duration', field: 'messagesExpiryDuration', kind: 'duration' },
  { flag: 'email-limit', field: 'emailsLimit', kind: 'count' },
  { flag: 'call-limit', field: 'callsLimit', kind: 'count' },
  { flag: 'reservation-limit', field: 'reservationsLimit', kind: 'count' },
  { flag: 'attachment-file-size-limit', field: 'attachmentFileSizeLimit', kind: 'size' },
  { flag: 'attachment-total-size-limit', field: 'attachmentTotalSizeLimit', kind: 'size' },
  { flag: 'attachment-expiry-duration', field: 'attachmentExpiryDuration', kind: 'duration' },
  { flag: 'attachment-bandwidth-limit', field: 'attachmentBandwidthLimit', kind: 'size' },
];

const FLAGS: OwnFlag[] = [
  { long: 'name', value: true },
  { long: 'ignore-exists', value: false },
  ...LIMIT_FLAGS.map((f) => ({ long: f.flag, value: true })),
];

/** `herald tier`: add, change, del/remove/rm and list. */
export async function runTier(args: string[], io: CliIo): Promise<number> {
  const err = (line: string): void => void io.stderr.write(`${line}\n`);
  const out = (text: string): void => void io.stdout.write(text);
  return guarded(io, 'tier', async () => {
    const { positionals, own, configArgs } = splitArgs(args, FLAGS);
    const [sub, ...operands] = positionals;
    const given = limitsGiven(own);
    const hasOptions = Object.keys(own).length > 0;
    switch (sub) {
      case 'add': {
        expectOperands(operands, 1, 1, 'herald tier add [options] CODE');
        const code = tierCode(operands[0]!);
        const name = typeof own.name === 'string' && own.name !== '' ? own.name : code;
        return withAccounts(configArgs, io.env, async (_auth, _config, tiers) => {
          if (own['ignore-exists'] && (await tiers.byCode(code))) return err(`tier ${code} already exists (exited successfully)`);
          const tier = await tiers.add({ ...DEFAULTS, ...given, code, name });
          err('tier added\n');
          out(formatTier(tier));
        });
      }
      case 'change': {
        expectOperands(operands, 1, 1, 'herald tier change [options] CODE');
        if (own['ignore-exists']) throw new UsageError('--ignore-exists only applies to add');
        const code = tierCode(operands[0]!);
        const changes = { ...given, ...(typeof own.name === 'string' ? { name: own.name } : {}) };
        return withAccounts(configArgs, io.env, async (_auth, _config, tiers) => {
          const tier = await tiers.change(code, changes);
          err('tier updated\n');
          out(formatTier(tier));
        });
      }
      case 'del':
      case 'remove':
      case 'rm': {
        expectOperands(operands, 1, 1, `herald tier ${sub} CODE`);
        if (hasOptions) throw new UsageError(`${sub} takes no options`);
        const code = operands[0]!;
        return withAccounts(configArgs, io.env, async (_auth, _config, tiers) => {
          await tiers.remove(code);
          err(`tier ${code} removed`);
        });
      }
      case 'list': {
        expectOperands(operands, 0, 0, 'herald tier list');
        if (hasOptions) throw new UsageError('list takes no options');
        return withAccounts(configArgs, io.env, async (_auth, _config, tiers) => {
          const list = await tiers.list();
          out(list.length === 0 ? 'no tiers\n' : list.map(formatTier).join('\n'));
        });
      }
      case undefined:
        throw new UsageError('a subcommand is required: add, change, del or list');
      default:
        throw new UsageError(`unknown subcommand '${sub}'`);
    }
  });
}

function tierCode(code: string): string {
  if (!isValidTierCode(code)) throw new UsageError('a tier code is 1 to 64 letters, digits, - or _');
  return code;
}

/** The limit options given on the command line, parsed (a bad value is a usage error). */
function limitsGiven(own: Record<string, string | true>): Partial<typeof DEFAULTS> {
  const limits: Partial<typeof DEFAULTS> = {};
  for (const { flag, field, kind } of LIMIT_FLAGS) {
    const raw = own[flag];
    if (raw === undefined) continue;
    const text = String(raw);
    const value = kind === 'count' ? (/^\d+$/.test(text) ? Number(text) : undefined)
      : kind === 'size' ? parseSize(text)
      : seconds(text);
    if (value === undefined || !Number.isSafeInteger(value)) throw new UsageError(`--${flag}: invalid ${kind === 'count' ? 'number' : kind} '${text}'`);
    limits[field] = value;
  }
  return limits;
}

function seconds(text: string): number | undefined {
  const ms = parseHumanDuration(text);
  return ms === undefined || ms < 0 ? undefined : Math.floor(ms / 1000);
}

/** ntfy's `tier list` layout, without the Stripe line. */
export function formatTier(tier: TierRecord): string {
  return [
    `tier ${tier.code} (id: ${tier.id})`,
    `- Name: ${tier.name}`,
    `- Message limit: ${tier.messagesLimit}`,
    `- Message expiry duration: ${duration(tier.messagesExpiryDuration)} (${tier.messagesExpiryDuration} seconds)`,
    `- Email limit: ${tier.emailsLimit}`,
    `- Phone call limit: ${tier.callsLimit}`,
    `- Reservation limit: ${tier.reservationsLimit}`,
    `- Attachment file size limit: ${size(tier.attachmentFileSizeLimit)}`,
    `- Attachment total size limit: ${size(tier.attachmentTotalSizeLimit)}`,
    `- Attachment expiry duration: ${duration(tier.attachmentExpiryDuration)} (${tier.attachmentExpiryDuration} seconds)`,
    `- Attachment daily bandwidth limit: ${size(tier.attachmentBandwidthLimit)}`,
    '',
  ].join('\n');
}

function duration(totalSeconds: number): string {
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  const parts = [h ? `${h}h` : '', m ? `${m}m` : '', s || (!h && !m) ? `${s}s` : ''];
  return parts.join('');
}

function size(bytes: number): string {
  for (const [unit, factor] of [['G', 1024 ** 3], ['M', 1024 ** 2], ['K', 1024]] as const) {
    if (bytes >= factor) return `${Number((bytes / factor).toFixed(1))}${unit}`;
  }
  return `${bytes} bytes`;
}
