import type Database from 'better-sqlite3';
import type { ClaimedDelivery, PushStore } from '../../../ports/push-store.js';
import { GroupCommit } from '../group-commit.js';
import type { WriteLock } from '../write-lock.js';
import type { PushCountsTable } from './counts.js';
import type { ClaimRow } from './schema.js';

interface PendingClaim {
  seq: number;
  /** JSON array of the targets. */
  targets: string;
  count: number;
  claimId: string;
  now: number;
  dead: boolean;
  rows: ClaimedDelivery[];
}

/** The columns a claim returns, in this order; the common path reads them as arrays (see below). */
const CLAIM_COLUMNS = 'target, device_id, provider, app, token, p256dh, auth, target_kind, attempts';
type ClaimTuple = [string, string | null, ClaimRow['provider'], string, string, string | null, string | null, ClaimRow['target_kind'], number];

function claimed(target: string, deviceId: string | null, provider: ClaimRow['provider'], app: string, token: string, p256dh: string | null, auth: string | null, kind: ClaimRow['target_kind'], attempts: number): ClaimedDelivery {
  const c: ClaimedDelivery = { target, deviceId, provider, app, token, p256dh, auth, attempts };
  if (kind) c.kind = kind;
  return c;
}

export interface Claims {
  claim: PushStore['claim'];
  /** Commits claims still waiting for their batch; called before closing. */
  flush(): void;
}

/**
 * Claiming a job's deliveries before sending: each claimable one moves to 'sending' under the
 * job's claim id with one more attempt. A re-run of the same claim (a crash between claim and
 * record) takes its own 'sending' rows back.
 */
export function prepareClaim(sqlite: Database.Database, lock: WriteLock, counts: PushCountsTable): Claims {
  // The common case (a job's first run: every delivery still queued) is one statement.
  // Its rows come back as arrays, not objects: better-sqlite3 builds a row object property by
  // property through V8's API, which cost about 0.8 µs of CPU per delivery more (5.1 vs 4.3 µs per
  // claimed row, 80,000 rows in isolation), and the rows become ClaimedDelivery objects anyway.
  const claimQueued = sqlite.prepare<{ seq: number; targets: string; claim: string; now: number }, ClaimTuple>(
    `UPDATE deliveries SET state = 'sending', claim = :claim, attempts = attempts + 1, next_at = NULL, updated_at = :now
     WHERE push_seq = :seq AND target IN (SELECT value FROM json_each(:targets)) AND state = 'queued'
     RETURNING ${CLAIM_COLUMNS}`).raw(true);
  const claimable = sqlite.prepare<{ seq: number; targets: string; claim: string; now: number; dead: number }, ClaimRow>(
    `SELECT ${CLAIM_COLUMNS}, state FROM deliveries
     WHERE push_seq = :seq AND target IN (SELECT value FROM json_each(:targets))
       AND (state = 'queued' OR (state = 'retrying' AND next_at <= :now) OR (state = 'sending' AND claim = :claim) OR (:dead AND state = 'dead'))`);
  const claimOne = sqlite.prepare<[string, number, number, string]>(
    `UPDATE deliveries SET state = 'sending', claim = ?, attempts = attempts + 1, next_at = NULL, updated_at = ? WHERE push_seq = ? AND target = ?`);

  const claim = (c: PendingClaim): ClaimedDelivery[] => {
    const { seq, targets, claimId, now } = c;
    const deltas = counts.deltas();
    const tuples = claimQueued.all({ seq, targets, claim: claimId, now });
    const rows = new Array<ClaimedDelivery>(tuples.length);
    for (let i = 0; i < tuples.length; i++) {
      const t = tuples[i]!;
      rows[i] = claimed(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8]);
      deltas.move(seq, t[2], 'queued', 'sending');
    }
    // Retries, a re-run after a crash, replays: the other claimable states, row by row.
    if (rows.length < c.count) {
      // The statement above just put its rows under this claim, which the query below also accepts
      // (for a re-run after a crash): skip them, or they would be claimed and sent twice.
      const taken = new Set(rows.map((r) => r.target));
      for (const r of claimable.all({ seq, targets, claim: claimId, now, dead: c.dead ? 1 : 0 })) {
        if (taken.has(r.target)) continue;
        claimOne.run(claimId, now, seq, r.target);
        if (r.state !== 'sending') deltas.move(seq, r.provider, r.state, 'sending');
        rows.push(claimed(r.target, r.device_id, r.provider, r.app, r.token, r.p256dh, r.auth, r.target_kind, r.attempts + 1));
      }
      rows.sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0));
    }
    deltas.apply();
    return rows;
  };

  const claimBatch = sqlite.transaction((batch: PendingClaim[]) => {
    for (const c of batch) c.rows = claim(c);
  });
  // The claims of the jobs in flight at one moment share a transaction: fewer commits, and the
  // b-tree pages of neighbouring deliveries are written once instead of once per job. At most a
  // few hundred rows per transaction: the write lock is shared with the API thread and every
  // other delivery thread, and a long hold is latency for all of them.
  const claims = new GroupCommit<PendingClaim>({
    maxBatch: 2,
    delayMs: 0,
    write: (batch) => lock.run(() => claimBatch.immediate(batch)),
  });

  return {
    async claim(seq, targets, claimId, now, includeDead) {
      if (targets.length === 0) return [];
      const pending: PendingClaim = { seq, targets: JSON.stringify(targets), count: targets.length, claimId, now, dead: includeDead, rows: [] };
      await claims.add(pending);
      return pending.rows;
    },
    flush() {
      claims.flush();
    },
  };
}
