import type { ClaimedDelivery, PushStore } from '../../../ports/push-store.js';
import type { Provider } from '../../../ports/device-store.js';
import type { CommitMode } from './commit-mode.js';
import type { PushSql } from './context.js';
import { countsCte } from './counts.js';
import { time, validSeq } from './schema.js';

/**
 * Claiming a job's deliveries is ONE statement, so it is atomic without a transaction around it.
 *
 * `picked` reads the claimable ones among the job's targets through the primary key and locks them
 * with FOR UPDATE SKIP LOCKED: a delivery another attempt is claiming this very moment, in this
 * process or on another node, is passed over instead of waited for, and if that attempt committed
 * first PostgreSQL re-checks the condition on the row's new version ('sending' under another
 * claim), which fails, so one delivery is never handed to two attempts while a claim lasts. The
 * UPDATE then moves exactly the locked rows; `was` (the state each left) comes from the locked
 * version, which nobody else can change any more, and feeds the counts.
 *
 * A re-run of the same claim (the job's worker died between claim and record, and the queue handed
 * the job out again) takes its own 'sending' rows back with one more attempt.
 */
const claimSql = (commit: CommitMode): string => `
  WITH ${commit.cte} picked AS (
    SELECT target, state AS was FROM deliveries
    WHERE push_seq = $1 AND target = ANY($2::text[])
      AND (state = 'queued' OR (state = 'retrying' AND next_at <= $4) OR (state = 'sending' AND claim = $3) OR ($5::boolean AND state = 'dead'))
    ORDER BY target
    FOR UPDATE SKIP LOCKED
  ), claimed AS (
    UPDATE deliveries d SET state = 'sending', claim = $3, attempts = d.attempts + 1, next_at = NULL, updated_at = $4
    FROM picked p
    WHERE d.push_seq = $1 AND d.target = ANY(ARRAY(SELECT target FROM picked)) AND d.target = p.target
    RETURNING d.target, d.device_id, d.provider, d.app, d.token, d.p256dh, d.auth, d.target_kind, d.attempts, p.was
  ), ${countsCte('counted', `SELECT $1::bigint AS push_seq, provider, was AS state, -1 AS n FROM claimed
      UNION ALL SELECT $1::bigint, provider, 'sending', 1 FROM claimed`)}
  SELECT target, device_id, provider, app, token, p256dh, auth, target_kind, attempts, (SELECT count(*) FROM counted) AS counted, ${commit.column} AS commit_mode
  FROM claimed`;

interface ClaimRow {
  target: string;
  device_id: string | null;
  provider: Provider;
  app: string;
  token: string;
  p256dh: string | null;
  auth: string | null;
  target_kind: 'topic' | 'condition' | null;
  attempts: number;
}

/** Claiming a job's deliveries before sending: each claimable one moves to 'sending' under the job's claim id with one more attempt. */
export function prepareClaim(sql: PushSql): Pick<PushStore, 'claim'> {
  const statement = { name: `claim${sql.commit.suffix}`, text: claimSql(sql.commit) };
  return {
    async claim(seq, targets, claimId, now, includeDead) {
      if (targets.length === 0 || !validSeq(seq) || claimId.includes('\u0000')) return [];
      // A target with a U+0000 names no delivery (none can be stored), and would fail the statement.
      const named = targets.filter((t) => !t.includes('\u0000'));
      const { rows } = await sql.query<ClaimRow>(statement.name, statement.text, [seq, named, claimId, time(now), includeDead]);
      return rows.map((r): ClaimedDelivery => ({
        target: r.target, deviceId: r.device_id, provider: r.provider, app: r.app, token: r.token, p256dh: r.p256dh, auth: r.auth,
        ...(r.target_kind ? { kind: r.target_kind } : {}), attempts: r.attempts,
      }));
    },
  };
}
