import type Database from 'better-sqlite3';
import type { DeliveryState, PushCounts } from '../../../ports/push-store.js';
import type { Provider } from '../../../ports/device-store.js';

/**
 * Count changes gathered over one transaction, applied at its end as one upsert per key: a claim
 * of a thousand deliveries moves a thousand counts but writes one row per (provider, state).
 */
export interface CountDeltas {
  add(seq: number, provider: string, state: string, n: number): void;
  move(seq: number, provider: string, from: string, to: string): void;
  /** Writes the gathered changes; call inside the transaction that made them. */
  apply(): void;
}

/** `push_counts`: deliveries per (push, provider, state), kept current by every state change. */
export interface PushCountsTable {
  deltas(): CountDeltas;
  read(seq: number): PushCounts;
  remove(seq: number): void;
}

export function preparePushCounts(sqlite: Database.Database): PushCountsTable {
  const bump = sqlite.prepare<[number, string, string, number]>(
    'INSERT INTO push_counts (push_seq, provider, state, n) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n');
  const select = sqlite.prepare<[number], { provider: Provider; state: DeliveryState; n: number }>(
    'SELECT provider, state, n FROM push_counts WHERE push_seq = ? AND n <> 0');
  const remove = sqlite.prepare<[number]>('DELETE FROM push_counts WHERE push_seq = ?');

  return {
    deltas() {
      const map = new Map<string, number>();
      const add = (seq: number, provider: string, state: string, n: number): void => {
        const key = `${seq}\0${provider}\0${state}`;
        map.set(key, (map.get(key) ?? 0) + n);
      };
      // A claim or a record moves hundreds of deliveries of one push and provider between the same
      // two states: such a run is counted here and reaches the map once, when the move changes.
      let runSeq = 0;
      let runProvider = '';
      let runFrom = '';
      let runTo = '';
      let runN = 0;
      const endRun = (): void => {
        if (runN === 0) return;
        add(runSeq, runProvider, runFrom, -runN);
        add(runSeq, runProvider, runTo, runN);
        runN = 0;
      };
      return {
        add,
        move(seq, provider, from, to) {
          if (runN > 0 && seq === runSeq && provider === runProvider && from === runFrom && to === runTo) {
            runN++;
            return;
          }
          endRun();
          runSeq = seq;
          runProvider = provider;
          runFrom = from;
          runTo = to;
          runN = 1;
        },
        apply() {
          endRun();
          for (const [key, n] of map) {
            if (n === 0) continue;
            const [seq, provider, state] = key.split('\0') as [string, string, string];
            bump.run(Number(seq), provider, state, n);
          }
        },
      };
    },
    read(seq) {
      const out: PushCounts = { total: {}, byProvider: {} };
      for (const { provider, state, n } of select.all(seq)) {
        out.total[state] = (out.total[state] ?? 0) + n;
        const p = (out.byProvider[provider] ??= {});
        p[state] = (p[state] ?? 0) + n;
      }
      return out;
    },
    remove(seq) {
      remove.run(seq);
    },
  };
}
