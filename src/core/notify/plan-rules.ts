import type { CategoryRecord, NotificationRecord, NotifyChannel, SubscriberRecord } from '../../ports/notify-store.js';
import { decide, DEFAULT_PREFERENCES, parsePreferences, type Preferences } from './preferences/index.js';
import type { TemplateDefinition } from './templates/index.js';

/** The subscriber's preferences; a stored document that no longer parses counts as the defaults. */
export function preferencesOf(s: SubscriberRecord): Preferences {
  if (s.preferences === undefined) return DEFAULT_PREFERENCES;
  try {
    return parsePreferences(s.preferences);
  } catch {
    // Stored documents were validated when put; one from an older version that no longer parses keeps the defaults.
    return DEFAULT_PREFERENCES;
  }
}

/** A push user with no subscriber record is still reachable by push and in-app, with default preferences. */
export function subscriberOrBare(id: string, s: SubscriberRecord | undefined, now: number): SubscriberRecord {
  return s ?? { id, data: {}, createdAt: now, updatedAt: now };
}

/**
 * The channels to consider, in order: the ones asked for (else the category's), kept only where
 * the template has content for them when the caller did not name them; with fallback, sorted by
 * the subscriber's channel_order, then the category's order.
 */
export function orderChannels(n: Pick<NotificationRecord, 'channels' | 'strategy'>, category: Pick<CategoryRecord, 'channels'>, prefs: Preferences, template: Pick<TemplateDefinition, 'channels'>): NotifyChannel[] {
  const wanted = n.channels ?? category.channels.filter((c) => template.channels[c] !== undefined);
  if (n.strategy !== 'fallback' || !prefs.channelOrder) return [...wanted];
  const order = prefs.channelOrder;
  const rank = (c: NotifyChannel) => {
    const i = order.indexOf(c);
    return i === -1 ? order.length + wanted.indexOf(c) : i;
  };
  return [...wanted].sort((a, b) => rank(a) - rank(b));
}

/** One channel after the subscriber's switches: it may go on, or it is suppressed and why. */
export type ChannelVerdict = { channel: NotifyChannel; pass: true } | { channel: NotifyChannel; pass: false; reason: string };

export type Screening =
  /** Quiet hours: the recipient waits as a whole, until `until`. */
  | { kind: 'defer'; until: number }
  | { kind: 'screened'; verdicts: ChannelVerdict[] };

export interface ScreenInput {
  prefs: Preferences;
  category: { name: string; critical: boolean };
  channels: readonly NotifyChannel[];
  now: number;
  timezone?: string;
}

/**
 * The subscriber's preferences applied to each channel, in order, except frequency caps: they
 * are one decision for the recipient as a whole, taken after this (and atomically, see
 * CapReservations) for the channels that pass. Quiet hours hold every channel alike, so the first
 * channel that meets them defers the recipient.
 */
export function screenChannels(input: ScreenInput): Screening {
  const prefs: Preferences = input.prefs.frequencyCaps.length === 0 ? input.prefs : { ...input.prefs, frequencyCaps: [] };
  const verdicts: ChannelVerdict[] = [];
  for (const channel of input.channels) {
    const decision = decide({ prefs, category: input.category, channel, nowMs: input.now, ...(input.timezone ? { timezone: input.timezone } : {}), recentSends: [] });
    if (decision.action === 'defer') return { kind: 'defer', until: decision.until };
    if (decision.action === 'suppress') verdicts.push({ channel, pass: false, reason: decision.detail ? `${decision.reason}: ${decision.detail}` : decision.reason });
    else verdicts.push({ channel, pass: true });
  }
  return { kind: 'screened', verdicts };
}
