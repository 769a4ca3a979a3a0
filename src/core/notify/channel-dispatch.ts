import { createHash } from 'node:crypto';
import { isHeraldError } from '../../errors/index.js';
import type { EmailSender, SmsSender, WebhookSender } from '../../ports/notify-channels.js';
import type { NotificationRecord, NotifyChannel, NotifyPriority, NotifyStore, SubscriberRecord } from '../../ports/notify-store.js';
import type { Outcome } from '../../ports/provider.js';
import type { PushPriority } from '../../ports/push-sender.js';
import type { SubscriberTokens } from '../keys/subscriber-tokens.js';
import type { PushService } from '../push/push-service.js';
import type { Inbox } from './inbox.js';
import { preferenceLinkUrl, signPreferenceLink } from './preference-links.js';
import type { RenderedChannels } from './templates/index.js';
import { smsSegments } from '../../util/sms.js';

/** Twilio concatenates at most 10 segments (1,600 characters) into one message. */
const SMS_MAX_SEGMENTS = 10;

/** What the channels send through: the provider ports, the push gateway and the inbox. */
export interface NotifyTransports {
  email?: EmailSender;
  sms?: SmsSender;
  webhook?: WebhookSender;
  push: Pick<PushService, 'send' | 'view'>;
  inbox: Pick<Inbox, 'deliver'>;
}

/** What one send attempt came to, channel-independent. */
export type DispatchResult =
  | { kind: 'sent'; providerId?: string; address?: string; note?: string }
  | { kind: 'unavailable'; reason: string }
  | { kind: 'failed'; reason: string; addressDead?: boolean; address?: string }
  | { kind: 'retry'; reason: string; afterMs?: number };

export interface DispatchContext {
  notification: NotificationRecord;
  subscriber: SubscriberRecord;
  rendered: RenderedChannels;
  now: number;
}

/**
 * Sends one rendered notification on one channel to one subscriber. Addresses come from the
 * subscriber; a dead address (bounced, stopped) makes the channel unavailable rather than a
 * failure, so fallback moves on without trying it.
 */
export class ChannelDispatch {
  readonly #t: NotifyTransports;
  readonly #store: NotifyStore;
  readonly #tokens: SubscriberTokens;
  readonly #baseUrl: string;

  constructor(deps: { transports: NotifyTransports; store: NotifyStore; tokens: SubscriberTokens; baseUrl: string }) {
    this.#t = deps.transports;
    this.#store = deps.store;
    this.#tokens = deps.tokens;
    this.#baseUrl = deps.baseUrl;
  }

  /** Whether this server can send on the channel at all. */
  configured(channel: NotifyChannel): boolean {
    if (channel === 'email') return this.#t.email !== undefined;
    if (channel === 'sms') return this.#t.sms !== undefined;
    if (channel === 'webhook') return this.#t.webhook !== undefined;
    return true;
  }

  /** Why the subscriber cannot be reached on the channel, known without sending; undefined when it may be. */
  unavailable(channel: NotifyChannel, s: SubscriberRecord): string | undefined {
    if (!this.configured(channel)) return `the ${channel} channel is not configured on this server`;
    if (channel === 'email' && !s.email) return 'the subscriber has no e-mail address';
    if (channel === 'sms' && !s.phone) return 'the subscriber has no phone number';
    if (channel === 'webhook' && !s.webhookUrl) return 'the subscriber has no webhook_url';
    return undefined;
  }

  async send(channel: NotifyChannel, c: DispatchContext): Promise<DispatchResult> {
    const missing = this.unavailable(channel, c.subscriber);
    if (missing) return { kind: 'unavailable', reason: missing };
    const content = c.rendered[channel];
    if (!content) return { kind: 'unavailable', reason: `the template has no ${channel} content` };
    switch (channel) {
      case 'email': return this.#email(c);
      case 'sms': return this.#sms(c);
      case 'webhook': return this.#webhook(c);
      case 'inapp': return this.#inapp(c);
      case 'push': return this.#push(c);
    }
  }

  /** A plain mail to an address, outside any notification (a topic message's X-Email). */
  async sendMail(to: string, subject: string, text: string, id: string): Promise<DispatchResult> {
    if (!this.#t.email) return { kind: 'failed', reason: 'the email channel is not configured on this server' };
    const dead = await this.#store.addressSuppressed(to.toLowerCase());
    if (dead) return { kind: 'unavailable', reason: `the address is suppressed (${dead.kind}: ${dead.reason})` };
    return fromOutcome(await this.#t.email.send({ to, subject, text, id }), to);
  }

  async #email(c: DispatchContext): Promise<DispatchResult> {
    const address = c.subscriber.email!;
    const dead = await this.#store.addressSuppressed(address.toLowerCase());
    if (dead) return { kind: 'unavailable', reason: `the address is suppressed (${dead.kind}: ${dead.reason})` };
    const mail = c.rendered.email!;
    const outcome = await this.#t.email!.send({
      to: address,
      subject: mail.subject,
      text: mail.text,
      ...(mail.html !== undefined ? { html: mail.html } : {}),
      ...(this.#baseUrl ? { unsubscribeUrl: this.#unsubscribeUrl(c) } : {}),
      id: `${c.notification.id}_${shortHash(c.subscriber.id)}`,
    });
    return fromOutcome(outcome, address);
  }

  /** One click turns off this category's e-mail, or e-mail altogether for a notification without one. */
  #unsubscribeUrl(c: DispatchContext): string {
    const link = c.notification.category
      ? { subscriber: c.subscriber.id, action: 'unsubscribe-category' as const, category: c.notification.category }
      : { subscriber: c.subscriber.id, action: 'unsubscribe-channel' as const, channel: 'email' };
    return preferenceLinkUrl(this.#baseUrl, signPreferenceLink(this.#tokens, link, c.now));
  }

  async #sms(c: DispatchContext): Promise<DispatchResult> {
    const phone = c.subscriber.phone!;
    const dead = await this.#store.addressSuppressed(phone);
    if (dead) return { kind: 'unavailable', reason: `the number is suppressed (${dead.kind}: ${dead.reason})` };
    const body = c.rendered.sms!.text;
    const { segments, encoding } = smsSegments(body);
    if (segments > SMS_MAX_SEGMENTS) return { kind: 'failed', reason: `the SMS renders to ${segments} segments (${encoding}); at most ${SMS_MAX_SEGMENTS}`, address: phone };
    const outcome = await this.#t.sms!.send({
      to: phone,
      body,
      ...(this.#baseUrl ? { statusCallback: `${this.#baseUrl.replace(/\/+$/, '')}/v1/notify/sms/status` } : {}),
    });
    const result = fromOutcome(outcome, phone);
    return result.kind === 'sent' ? { ...result, note: `${segments} segment${segments === 1 ? '' : 's'}, ${encoding}` } : result;
  }

  async #webhook(c: DispatchContext): Promise<DispatchResult> {
    const url = c.subscriber.webhookUrl!;
    const id = `msg_${c.notification.id}_${shortHash(c.subscriber.id)}`;
    const body = JSON.stringify({
      type: 'notification',
      id: c.notification.id,
      subscriber: c.subscriber.id,
      template: c.notification.template,
      category: c.notification.category,
      priority: c.notification.priority,
      created_at: new Date(c.notification.createdAt).toISOString(),
      data: c.rendered.webhook!.body,
    });
    const outcome = await this.#t.webhook!.send({ url, id, timestamp: Math.floor(c.now / 1000), body });
    return fromOutcome(outcome, url, id);
  }

  async #inapp(c: DispatchContext): Promise<DispatchResult> {
    const item = c.rendered.inapp!;
    // The same id on a repeat of this delivery, so a retried job cannot put it in the inbox twice.
    const id = `inb_${shortHash(`${c.notification.id}\0${c.subscriber.id}`)}`;
    await this.#t.inbox.deliver({
      id,
      subscriberId: c.subscriber.id,
      notificationId: c.notification.id,
      category: c.notification.category,
      body: item.body,
      ...(item.title !== undefined ? { title: item.title } : {}),
      ...(item.url !== undefined ? { url: item.url } : {}),
      data: c.notification.data,
      createdAt: c.now,
    });
    return { kind: 'sent', providerId: id };
  }

  async #push(c: DispatchContext): Promise<DispatchResult> {
    const p = c.rendered.push!;
    // One push per recipient with an id fixed by the delivery: a repeat within 24 h is the same push.
    const id = `${c.notification.id}_${shortHash(c.subscriber.id)}`;
    try {
      const result = await this.#t.push.send({
        id,
        to: { users: [c.subscriber.id] },
        notification: {
          body: p.body,
          ...(p.title !== undefined ? { title: p.title } : {}),
          ...(p.url !== undefined ? { url: p.url } : {}),
          data: { notification_id: c.notification.id, category: c.notification.category },
        },
        overrides: {},
        priority: pushPriority(c.notification.priority),
        category: c.notification.category,
        ...(c.notification.expiresAt !== undefined ? { expiresAt: c.notification.expiresAt } : {}),
      }, c.notification.actor);
      if (result.targets === 0) return { kind: 'unavailable', reason: 'the subscriber has no active device' };
      return { kind: 'sent', providerId: id };
    } catch (err) {
      // Shedding (503) or a provider that cannot take the payload: the first passes, the second does not.
      if (isHeraldError(err) && err.http >= 500) return { kind: 'retry', reason: err.message };
      if (isHeraldError(err)) return { kind: 'failed', reason: err.message };
      throw err;
    }
  }
}

function fromOutcome(outcome: Outcome, address: string, providerId?: string): DispatchResult {
  switch (outcome.kind) {
    case 'ok': {
      const id = outcome.providerId ?? providerId;
      return { kind: 'sent', address, ...(id !== undefined ? { providerId: id } : {}) };
    }
    case 'invalid_token':
      return { kind: 'failed', reason: `address rejected: ${outcome.reason ?? 'invalid'}`, addressDead: true, address };
    case 'rejected':
      return { kind: 'failed', reason: `rejected: ${outcome.reason ?? 'permanent error'}${outcome.status !== undefined ? ` (${outcome.status})` : ''}`, address };
    case 'throttled':
    case 'retry':
      return { kind: 'retry', reason: `${outcome.kind}: ${outcome.reason ?? 'temporary error'}`, ...(outcome.afterMs !== undefined ? { afterMs: outcome.afterMs } : {}) };
  }
}

function pushPriority(p: NotifyPriority): PushPriority {
  return p === 'critical' || p === 'high' ? 'high' : p === 'low' ? 'low' : 'normal';
}

export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 16);
}
