import { HeraldError } from '../../errors/index.js';
import type { Clock } from '../../ports/clock.js';
import { NOTIFY_CHANNELS, type NotifyChannel } from '../../ports/notify-store.js';
import { parseHumanDuration } from '../../util/durations.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { SubscriberTokens } from '../keys/subscriber-tokens.js';
import type { SubscriberLimits } from '../limits/subscriber-limits.js';
import type { NotifyDirectory } from './directory.js';
import { applyLinkAction, clickAction, type LinkPost } from './preference-link-actions.js';
import {
  LINK_ACTIONS, LINK_LIFETIME_MS, preferenceLinkExpiry, readPreferenceLink, signPreferenceLink,
  type LinkAction, type PreferenceLink,
} from './preference-links.js';
import type { PreferencesJson } from './preferences/index.js';

/** What `POST /v1/subscribers/{id}/preference-links` asks for, before any check. */
export interface LinkRequest {
  action: string;
  category?: string;
  channel?: string;
  /** A human duration ("30d"); the default lifetime when absent. */
  expiresIn?: string;
}

export interface IssuedLink {
  token: string;
  link: PreferenceLink;
  /** Unix ms; undefined only if the token could not be read back (never for our own). */
  expiresAt: number | undefined;
}

export interface OpenedLink {
  link: PreferenceLink;
  expiresAt: number | undefined;
}

export interface LinkOutcome {
  /** False when the preferences already said what the link asks (nothing written, nothing audited). */
  changed: boolean;
  preferences: PreferencesJson;
  /** What was applied: the link's own action, or a whole preferences document. */
  applied: LinkAction | 'replace';
}

export interface PreferenceLinkDeps {
  tokens: SubscriberTokens;
  clock: Clock;
  limits: Pick<SubscriberLimits, 'take'>;
  directory: Pick<NotifyDirectory, 'getSubscriber' | 'getCategory' | 'getPreferences' | 'setPreferences'>;
  audit: Pick<AuditTrail, 'record'>;
}

/** Category names as `PUT /v1/categories/{name}` takes them. */
const CATEGORY = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const LINK_MIN_MS = 60_000;
const LINK_MAX_MS = 365 * 24 * 3600_000;
/** Link tokens are a few hundred characters; anything far longer is not one of ours. */
const LINK_TOKEN_MAX = 2048;

/**
 * Signed preference links: issuing them (API key holders), and what a subscriber's click on
 * one does. The token is the only credential a click carries, so each one spends the
 * subscriber's request bucket before anything is read.
 */
export class PreferenceLinkService {
  readonly #d: PreferenceLinkDeps;

  constructor(deps: PreferenceLinkDeps) {
    this.#d = deps;
  }

  /** Checks the request (400), the category (404) and the subscriber (404), then signs the link. */
  async issue(subscriber: string, request: LinkRequest): Promise<IssuedLink> {
    const link = await this.#linkToIssue(subscriber, request);
    const lifetime = request.expiresIn === undefined ? LINK_LIFETIME_MS : linkLifetime(request.expiresIn);
    await this.#d.directory.getSubscriber(subscriber);
    const token = signPreferenceLink(this.#d.tokens, link, this.#d.clock.now(), lifetime);
    return { token, link, expiresAt: preferenceLinkExpiry(token) };
  }

  /** The link a token stands for: 403 tampered or foreign, 410 expired, 429 once the subscriber's bucket is empty. */
  async open(token: string): Promise<OpenedLink> {
    if (token.length > LINK_TOKEN_MAX) throw new HeraldError('linkInvalid');
    const now = this.#d.clock.now();
    const link = readPreferenceLink(this.#d.tokens, token, now);
    await this.#d.limits.take(link.subscriber, now);
    return { link, expiresAt: preferenceLinkExpiry(token) };
  }

  /** The subscriber's preferences in wire shape; 404 once the subscriber is erased. */
  async preferences(link: PreferenceLink): Promise<PreferencesJson> {
    return (await this.#d.directory.getPreferences(link.subscriber)) as PreferencesJson;
  }

  /** Applies a POST to an opened link; `address` is where the click came from, for the audit log. */
  async apply(link: PreferenceLink, post: LinkPost, address: string): Promise<LinkOutcome> {
    const { directory } = this.#d;
    const before = await this.preferences(link);
    let outcome: LinkOutcome;
    if (post.kind === 'document') {
      const after = (await directory.setPreferences(link.subscriber, post.document)) as PreferencesJson;
      outcome = { applied: 'replace', preferences: after, changed: JSON.stringify(after) !== JSON.stringify(before) };
    } else {
      const applied = clickAction(link);
      const next = applyLinkAction(before, applied, link);
      // Repeated clicks on an applied link write nothing and add nothing to the audit log.
      const changed = next !== before;
      const after = changed ? ((await directory.setPreferences(link.subscriber, next)) as PreferencesJson) : before;
      outcome = { applied, preferences: after, changed };
    }
    if (outcome.changed) {
      const { applied } = outcome;
      // The subscriber is the actor: the link is their credential.
      await this.#d.audit.record({ actor: `link:${link.subscriber}`, address }, applied === 'replace' ? 'preferences.replace' : 'preferences.unsubscribe', link.subscriber, {
        via: `${link.action} link`,
        ...(applied !== 'replace' ? { action: applied } : {}),
        ...(link.category !== undefined ? { category: link.category } : {}),
        ...(link.channel !== undefined ? { channel: link.channel } : {}),
      });
    }
    return outcome;
  }

  async #linkToIssue(subscriber: string, request: LinkRequest): Promise<PreferenceLink> {
    const { category, channel } = request;
    const action = request.action as LinkAction;
    if (!(LINK_ACTIONS as readonly string[]).includes(action)) invalid(`action must be one of ${LINK_ACTIONS.join(', ')}`);
    if (action === 'unsubscribe-category') {
      if (category === undefined) invalid('category is required for unsubscribe-category');
      if (!CATEGORY.test(category)) invalid('category must be a category name (1-64 lowercase letters, digits, dots, dashes or underscores)');
      await this.#d.directory.getCategory(category);
    } else if (category !== undefined) {
      invalid('category is only for unsubscribe-category links');
    }
    if (action === 'unsubscribe-channel') {
      if (channel === undefined) invalid('channel is required for unsubscribe-channel');
      if (!NOTIFY_CHANNELS.includes(channel as NotifyChannel)) invalid(`channel must be one of ${NOTIFY_CHANNELS.join(', ')}`);
    } else if (channel !== undefined) {
      invalid('channel is only for unsubscribe-channel links');
    }
    return { subscriber, action, ...(category !== undefined ? { category } : {}), ...(channel !== undefined ? { channel } : {}) };
  }
}

function linkLifetime(text: string): number {
  const ms = parseHumanDuration(text);
  if (ms === undefined || ms < LINK_MIN_MS || ms > LINK_MAX_MS) invalid('expires_in must be a duration from 1m to 365d, e.g. "30d"');
  return Math.round(ms);
}

function invalid(detail: string): never {
  throw new HeraldError('badRequest', { detail });
}
