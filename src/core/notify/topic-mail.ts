import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import type { NewJob, Queue, ReservedJob } from '../../ports/queue.js';
import { retryAt, type BackoffOptions } from '../retry/backoff.js';
import type { ChannelDispatch } from './channel-dispatch.js';
import { channelPartition, type NotifyJob, type NotifyMailJob } from './notify-jobs.js';

export interface TopicMailDeps {
  queue: Queue<NotifyJob>;
  dispatch: Pick<ChannelDispatch, 'sendMail'>;
  clock: Clock;
  logger: Logger;
  enqueue(jobs: NewJob<NotifyJob>[]): Promise<void>;
  options: { maxAttempts: number; backoff: BackoffOptions };
}

/**
 * Plain e-mails of topic messages (ntfy's X-Email): no template, subscriber or preferences, but
 * the same durable queue and retries as the e-mail channel, whose partition they share.
 */
export class TopicMail {
  readonly #d: TopicMailDeps;

  constructor(deps: TopicMailDeps) {
    this.#d = deps;
  }

  /** Queues one; the message id keys it, so a repeat of the publish queues nothing more. */
  async queue(mail: Omit<NotifyMailJob, 'kind'>): Promise<void> {
    await this.#d.enqueue([{ partition: channelPartition('email'), lane: 'normal', dedupKey: `mail:${mail.id}`, maxAttempts: this.#d.options.maxAttempts, payload: { kind: 'mail', ...mail } }]);
  }

  async work(job: ReservedJob<NotifyJob>, mail: NotifyMailJob): Promise<void> {
    const d = this.#d;
    const result = await d.dispatch.sendMail(mail.to, mail.subject, mail.text, mail.id);
    if (result.kind === 'sent') return void (await d.queue.ack(job));
    if (result.kind === 'retry') {
      const outcome = await d.queue.retry(job, retryAt(job.attempts, d.clock.now(), result.afterMs, d.options.backoff), result.reason);
      if (outcome === 'dead') d.logger.warn({ to: 'redacted', reason: result.reason }, 'topic e-mail dead-lettered after its last attempt');
      return;
    }
    d.logger.info({ reason: result.reason }, 'topic e-mail not sent');
    await d.queue.deadLetter(job, result.reason);
  }
}
