import type Database from 'better-sqlite3';
import type { PushAudience, PushStore } from '../../../ports/push-store.js';
import { audienceWithout } from '../../sql/push/erase-audience.js';
import type { WriteLock } from '../write-lock.js';
import type { PushCountsTable } from './counts.js';
import { MINUTE } from './schema.js';
import type { MinuteStats } from './stats.js';

/** Rows per statement when pruning, so retention never holds the write lock for long. */
const PRUNE_BATCH = 5000;

/** Forgetting: pushes and stats past retention, and a user's personal data on erasure. */
export function prepareRetention(sqlite: Database.Database, lock: WriteLock, counts: PushCountsTable, stats: MinuteStats): Pick<PushStore, 'prune' | 'eraseUser'> {
  const oldPushes = sqlite.prepare<[number, number], number>(
    'SELECT seq FROM pushes WHERE created_at < ? AND coalesce(send_at, 0) < ? ORDER BY seq LIMIT 100').pluck();
  const deleteDeliveries = sqlite.prepare<[number, number, number]>(
    'DELETE FROM deliveries WHERE push_seq = ? AND target IN (SELECT target FROM deliveries WHERE push_seq = ? LIMIT ?)');
  const deletePush = sqlite.prepare<[number]>('DELETE FROM pushes WHERE seq = ?');
  const pushesNamingUser = sqlite.prepare<[string, string], { seq: number; audience: string }>(
    `SELECT seq, audience FROM pushes WHERE EXISTS (SELECT 1 FROM json_each(audience, '$.users') WHERE value = ?)
       OR EXISTS (SELECT 1 FROM json_each(audience, '$.filter.users') WHERE value = ?)`);
  const setAudience = sqlite.prepare<[string, number]>('UPDATE pushes SET audience = ? WHERE seq = ?');
  const forgetDeviceTokens = sqlite.prepare<[string]>(
    `UPDATE deliveries SET token = '', p256dh = NULL, auth = NULL, device_id = NULL WHERE device_id IN (SELECT value FROM json_each(?))`);

  const prunePush = sqlite.transaction((seq: number): boolean => {
    // Deletes one slice; the push row goes once its deliveries are gone.
    if (deleteDeliveries.run(seq, seq, PRUNE_BATCH).changes === PRUNE_BATCH) return false;
    deletePush.run(seq);
    counts.remove(seq);
    return true;
  });
  const removePush = (seq: number): void => {
    while (!lock.run(() => prunePush.immediate(seq))) { /* next slice */ }
  };

  return {
    async eraseUser(user, deviceIds) {
      let erased = 0;
      for (const row of pushesNamingUser.all(user, user)) {
        const left = audienceWithout(JSON.parse(row.audience) as PushAudience, user);
        if (left === 'alone') {
          removePush(row.seq);
          erased++;
        } else {
          lock.run(() => setAudience.run(JSON.stringify(left), row.seq));
        }
      }
      // Deliveries of broadcasts to their devices stay for the counts, without the token.
      if (deviceIds.length > 0) lock.run(() => forgetDeviceTokens.run(JSON.stringify(deviceIds)));
      return erased;
    },
    async prune(before) {
      let pushes = 0;
      for (;;) {
        const seqs = oldPushes.all(before, before);
        if (seqs.length === 0) break;
        for (const seq of seqs) removePush(seq);
        pushes += seqs.length;
      }
      lock.run(() => stats.prune(Math.floor(before / MINUTE)));
      return pushes;
    },
  };
}
