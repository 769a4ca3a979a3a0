import { Counter, Gauge, type Registry } from 'prom-client';
import type { EventAttemptResult, EventBacklog, EventDispatcherMetrics } from '../../core/events/index.js';

export interface EventWebhookMetrics extends EventDispatcherMetrics {
  /** Where the backlog gauges read from (queried at each scrape), set once the dispatcher exists. */
  watch(source: { backlog(): Promise<EventBacklog> }): void;
}

/** Registered whether or not any endpoint exists, so dashboards and alerts see zeros rather than gaps. */
export function createEventWebhookMetrics(registry: Registry): EventWebhookMetrics {
  const attempts = new Counter({
    name: 'herald_event_webhook_attempts_total',
    help: 'Event webhook POSTs to endpoints, by result (succeeded, retrying: failed and due again, failed: given up)',
    labelNames: ['result'],
    registers: [registry],
  });
  const children = new Map<EventAttemptResult, { inc(): void }>();
  for (const result of ['succeeded', 'retrying', 'failed'] as const) {
    const child = attempts.labels(result);
    child.inc(0);
    children.set(result, child);
  }
  let source: { backlog(): Promise<EventBacklog> } | undefined;
  // A failed read shows zeros for this scrape rather than failing the whole /metrics answer.
  const read = async (): Promise<EventBacklog | undefined> => source?.backlog().catch(() => undefined);
  new Gauge({
    name: 'herald_event_webhook_messages',
    help: 'Event webhook messages waiting to go out, all endpoints together, by state (ready, scheduled for a retry, reserved: being sent)',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const b = await read();
      this.labels('ready').set(b?.ready ?? 0);
      this.labels('scheduled').set(b?.scheduled ?? 0);
      this.labels('reserved').set(b?.reserved ?? 0);
    },
  });
  new Gauge({
    name: 'herald_event_webhook_lag_seconds',
    help: 'How long the oldest due event webhook message has waited',
    registers: [registry],
    async collect() {
      this.set(((await read())?.lagMs ?? 0) / 1000);
    },
  });
  return {
    attempted: (result) => children.get(result)?.inc(),
    watch(s) {
      source = s;
    },
  };
}
