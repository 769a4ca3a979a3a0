import type { DeliveryResult, PushRecord } from '../../ports/push-store.js';

/** Recorded outcomes, counted: what metrics need, small enough to cross a thread per batch. */
export interface OutcomeSummary {
  counts: { provider: string; app: string; state: string; n: number }[];
  /** Send latencies (ms) of the `sent` outcomes, per provider. */
  latencies: { provider: string; ms: number[] }[];
}

/** What the push pipeline reports as it works; the metrics adapter listens. */
export interface PushEvents {
  recorded(summary: OutcomeSummary): void;
  /**
   * The results about to be recorded, before they are: for event webhooks, whose messages must be
   * durable once the state they describe is (queued here, a crash after the ledger write cannot
   * lose them). It may reject: the attempt then fails and its job is repeated. Optional, and at
   * once done while no endpoint listens.
   */
  recording?(push: PushRecord, results: readonly DeliveryResult[], now: number): Promise<void>;
  /**
   * The outcomes just recorded and the devices just marked invalid, before the job is acked (so a
   * crash repeats them rather than losing them). For event webhooks; optional, and it returns at
   * once while no endpoint listens, so a broadcast pays nothing for it then. Never rejects.
   */
  outcomes?(push: PushRecord, results: readonly DeliveryResult[], invalidated: readonly InvalidatedDevice[], now: number): Promise<void>;
}

export interface InvalidatedDevice {
  deviceId: string;
  reason: string;
}

export const noPushEvents: PushEvents = { recorded() {} };

export function summarize(results: readonly DeliveryResult[]): OutcomeSummary {
  const counts = new Map<string, { provider: string; app: string; state: string; n: number }>();
  const latencies = new Map<string, number[]>();
  let last: { provider: string; app: string; state: string; n: number } | undefined;
  for (const r of results) {
    // A job's results mostly share their provider, app and state: a run of them needs no key.
    if (last && last.state === r.state && last.app === r.app && last.provider === r.provider) {
      last.n++;
    } else {
      const key = `${r.provider}\0${r.app}\0${r.state}`;
      last = counts.get(key);
      if (last) last.n++;
      else counts.set(key, (last = { provider: r.provider, app: r.app, state: r.state, n: 1 }));
    }
    if (r.latencyMs !== undefined) {
      let list = latencies.get(r.provider);
      if (!list) latencies.set(r.provider, (list = []));
      list.push(r.latencyMs);
    }
  }
  return { counts: [...counts.values()], latencies: [...latencies].map(([provider, ms]) => ({ provider, ms })) };
}
