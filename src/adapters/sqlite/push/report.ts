import type Database from 'better-sqlite3';
import type { DeliveryState, PushStore } from '../../../ports/push-store.js';
import type { WriteLock } from '../write-lock.js';
import type { PushCountsTable } from './counts.js';

/** A device reporting that a sent push was delivered or opened. */
export function prepareReport(sqlite: Database.Database, lock: WriteLock, counts: PushCountsTable): Pick<PushStore, 'reportStatus'> {
  const current = sqlite.prepare<[number, string], { state: DeliveryState; provider: string }>('SELECT state, provider FROM deliveries WHERE push_seq = ? AND target = ?');
  const update = sqlite.prepare<[string, number, number, string]>('UPDATE deliveries SET state = ?, updated_at = ? WHERE push_seq = ? AND target = ?');

  const report = sqlite.transaction((seq: number, device: string, status: 'delivered' | 'interacted', now: number): boolean => {
    const row = current.get(seq, device);
    if (!row) return false;
    // Reporting what is already recorded (a retried report) is not an error; going backwards is ignored.
    if (row.state === status || (row.state === 'interacted' && status === 'delivered')) return true;
    if (row.state !== 'sent' && !(row.state === 'delivered' && status === 'interacted')) return false;
    update.run(status, now, seq, device);
    const deltas = counts.deltas();
    deltas.move(seq, row.provider, row.state, status);
    deltas.apply();
    return true;
  });

  return {
    async reportStatus(seq, deviceId, status, now) {
      return lock.run(() => report.immediate(seq, deviceId, status, now));
    },
  };
}
