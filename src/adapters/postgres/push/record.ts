import type { DeliveryResult, PushStore } from '../../../ports/push-store.js';
import { bucketOf } from '../../../util/log-buckets.js';
import type { CommitMode } from './commit-mode.js';
import type { PushSql } from './context.js';
import { countsCte } from './counts.js';
import { minuteCte } from './stats.js';
import { minuteOf, pgText, time, validSeq } from './schema.js';

/**
 * Recording a batch of attempt results is ONE statement: the results travel as arrays, and the
 * ledger rows, their counts and the minute's stats change together or not at all.
 *
 * `locked` takes the deliveries still in flight (state 'sending', or 'cancelled' with the claim
 * still set: cancelled while their attempt was out) in key order with a plain FOR UPDATE. Anything
 * else is not in flight, so its result is ignored: a repeat of the same results finds nothing and
 * changes nothing, stats included. A cancel racing this statement locks in the same key order; if it
 * commits first, the re-checked row is 'cancelled' with its claim and the cancel rule below applies.
 * `was` is read from the locked version, so the counts move from the state the row really left.
 *
 * Provider/app for counts and stats come from the delivery row, so push_counts stays exactly in
 * step with the rows whatever a caller passes.
 */
const recordSql = (commit: CommitMode): string => `
  WITH ${commit.cte} input AS (
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::integer[], $6::text[], $7::text[], $8::text[], $9::integer[])
      AS t(push_seq, target, state, next_at, status, error, provider_id, attempt, bucket)
  ), locked AS (
    SELECT d.push_seq, d.target, d.state AS was, d.provider, d.app FROM deliveries d
    WHERE d.push_seq = ANY($1::bigint[]) AND d.target = ANY($2::text[])
      AND (d.state = 'sending' OR (d.state = 'cancelled' AND d.claim IS NOT NULL))
    ORDER BY d.push_seq, d.target
    FOR UPDATE
  ), changes AS (
    -- Cancelled in flight: only an answer that says the provider has the push overrides the cancel.
    SELECT l.push_seq, l.target, l.was, l.provider, l.app, i.next_at, i.status, i.error, i.provider_id, i.attempt, i.bucket,
      CASE WHEN l.was = 'sending' OR i.state IN ('sent', 'failed', 'invalid_token') THEN i.state ELSE 'cancelled' END AS state
    FROM locked l JOIN input i ON i.push_seq = l.push_seq AND i.target = l.target
  ), updated AS (
    UPDATE deliveries d SET state = c.state, claim = NULL,
      next_at = CASE WHEN c.was = 'sending' THEN c.next_at ELSE d.next_at END,
      -- A 'queued' result is a delivery gate holding it back: no attempt, so the claim's is given back.
      attempts = d.attempts - CASE WHEN c.state = 'queued' THEN 1 ELSE 0 END,
      last_status = CASE WHEN c.was = 'sending' THEN c.status ELSE coalesce(c.status, d.last_status) END,
      last_error = CASE WHEN c.was = 'sending' THEN c.error ELSE coalesce(c.error, d.last_error) END,
      provider_id = coalesce(c.provider_id, d.provider_id),
      updated_at = $10,
      sent_at = CASE WHEN c.state = 'sent' THEN $10 ELSE d.sent_at END
    FROM changes c
    WHERE d.push_seq = ANY($1::bigint[]) AND d.target = ANY($2::text[]) AND d.push_seq = c.push_seq AND d.target = c.target
    RETURNING c.push_seq, c.provider, c.app, c.was, c.state, c.attempt, c.bucket
  ), ${countsCte('counted', `SELECT push_seq, provider, was AS state, -1 AS n FROM updated
      UNION ALL SELECT push_seq, provider, state, 1 FROM updated`)},
  ${minuteCte('ended', 'push_stats', `SELECT $11::bigint, app, provider, state, 1 FROM updated WHERE state NOT IN ('retrying', 'queued')`)},
  ${minuteCte('attempted', 'push_attempts', `SELECT $11::bigint, app, provider, attempt, 1 FROM updated WHERE attempt IS NOT NULL`)},
  ${minuteCte('timed', 'push_latency', `SELECT $11::bigint, app, provider, bucket, 1 FROM updated WHERE state = 'sent' AND bucket IS NOT NULL`)}
  SELECT (SELECT count(*) FROM counted) AS counted, (SELECT count(*) FROM ended) AS ended,
    (SELECT count(*) FROM attempted) AS attempted, (SELECT count(*) FROM timed) AS timed, ${commit.column} AS commit_mode`;

/** Recording the outcome of each claimed delivery's attempt, with the counts and stats it moves. */
export function prepareRecord(sql: PushSql): Pick<PushStore, 'record'> {
  const statement = { name: `record${sql.commit.suffix}`, text: recordSql(sql.commit) };
  return {
    async record(results, now) {
      // One result per delivery: a second one for the same delivery would find it no longer in flight.
      const byKey = new Map<string, DeliveryResult>();
      for (const r of results) {
        // Such a result names no delivery: the seq is no bigint, or the target holds what no stored one can.
        if (!validSeq(r.pushSeq) || r.target.includes('\u0000')) continue;
        const key = `${r.pushSeq}\u0000${r.target}`;
        if (!byKey.has(key)) byKey.set(key, r);
      }
      if (byKey.size === 0) return;
      const list = [...byKey.values()];
      await sql.query(statement.name, statement.text, [
        list.map((r) => r.pushSeq), list.map((r) => r.target), list.map((r) => r.state),
        list.map((r) => (r.nextAt === undefined ? null : time(r.nextAt))), list.map((r) => r.status ?? null),
        list.map((r) => pgText(r.error ?? null)), list.map((r) => pgText(r.providerId ?? null)), list.map((r) => r.attempt ?? null),
        // A retry is not where a delivery ends, and a replay's latency is not the provider's: only given latencies of sends count.
        list.map((r) => (r.state === 'sent' && r.latencyMs !== undefined ? bucketOf(Math.max(0, r.latencyMs)) : null)),
        time(now), minuteOf(now),
      ]);
    },
  };
}
