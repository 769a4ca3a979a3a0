import type Database from 'better-sqlite3';
import type { PushStore } from '../../../ports/push-store.js';
import type { WriteLock } from '../write-lock.js';
import type { PushCountsTable } from './counts.js';
import { MINUTE } from './schema.js';
import type { MinuteStats } from './stats.js';

/** Cancelling a push: the push row and every delivery not yet ended, in one transaction. */
export function prepareCancel(sqlite: Database.Database, lock: WriteLock, counts: PushCountsTable, stats: MinuteStats): Pick<PushStore, 'cancel'> {
  const cancelPush = sqlite.prepare<[number]>("UPDATE pushes SET phase = 'cancelled' WHERE seq = ?");
  const cancelWaiting = sqlite.prepare<[number, number, string], { provider: string; app: string }>(
    "UPDATE deliveries SET state = 'cancelled', claim = NULL, next_at = NULL, updated_at = ? WHERE push_seq = ? AND state = ? RETURNING provider, app");
  // In flight: the claim stays, so the attempt's result can still be told apart (see record.ts).
  const cancelSending = sqlite.prepare<[number, number], { provider: string }>(
    "UPDATE deliveries SET state = 'cancelled', next_at = NULL, updated_at = ? WHERE push_seq = ? AND state = 'sending' RETURNING provider");

  const cancel = sqlite.transaction((seq: number, now: number): number => {
    cancelPush.run(seq);
    const deltas = counts.deltas();
    const ended = new Map<string, number>();
    let n = 0;
    for (const state of ['queued', 'retrying']) {
      for (const { provider, app } of cancelWaiting.all(now, seq, state)) {
        deltas.move(seq, provider, state, 'cancelled');
        ended.set(`${app}\0${provider}`, (ended.get(`${app}\0${provider}`) ?? 0) + 1);
        n++;
      }
    }
    // In-flight ones end when their attempt is recorded, and are counted in the stats then.
    for (const { provider } of cancelSending.all(now, seq)) {
      deltas.move(seq, provider, 'sending', 'cancelled');
      n++;
    }
    deltas.apply();
    const minute = Math.floor(now / MINUTE);
    for (const [key, count] of ended) {
      const [app, provider] = key.split('\0') as [string, string];
      stats.ended(minute, app, provider, 'cancelled', count);
    }
    return n;
  });

  return {
    async cancel(seq, now) {
      return lock.run(() => cancel.immediate(seq, now));
    },
  };
}
