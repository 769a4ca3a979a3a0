import type { CompiledTemplate } from '../../../ports/template-engine.js';

/**
 * A notify template: one source per channel field in the default locale, and per-locale
 * overrides of any subset of those fields. Every string is a Liquid source; in `email.html`
 * outputs are HTML-escaped, everywhere else they are written as they are.
 */

export const TEMPLATE_CHANNELS = ['push', 'email', 'sms', 'inapp', 'webhook'] as const;
export type TemplateChannel = (typeof TEMPLATE_CHANNELS)[number];

export interface PushContent {
  title?: string;
  body: string;
  url?: string;
}

/** At least one of `html` and `text`; without `text`, the text part is derived from the rendered HTML. */
export interface EmailContent {
  subject: string;
  html?: string;
  text?: string;
}

export interface SmsContent {
  text: string;
}

export interface InappContent {
  title?: string;
  body: string;
  url?: string;
}

/** Any JSON; every string in it, at any depth, is a template (object keys are not). */
export interface WebhookContent {
  body: unknown;
}

export interface TemplateChannels {
  push?: PushContent;
  email?: EmailContent;
  sms?: SmsContent;
  inapp?: InappContent;
  webhook?: WebhookContent;
}

/** What a locale may override: any fields of channels the default locale has. */
export interface LocaleOverrides {
  push?: Partial<PushContent>;
  email?: Partial<EmailContent>;
  sms?: Partial<SmsContent>;
  inapp?: Partial<InappContent>;
  webhook?: Partial<WebhookContent>;
}

/** A template's content as stored and as sent back by the API (the wire shape, camelCased). */
export interface TemplateSource {
  name: string;
  category?: string;
  /** Canonical BCP 47 tag. */
  defaultLocale: string;
  channels: TemplateChannels;
  /** Keyed by canonical BCP 47 tag; never contains `defaultLocale`. */
  locales: Record<string, LocaleOverrides>;
}

/** A webhook body with its string leaves compiled: the same shape as the JSON. */
export type CompiledJson =
  | { kind: 'template'; template: CompiledTemplate }
  | { kind: 'literal'; value: null | boolean | number }
  | { kind: 'array'; items: CompiledJson[] }
  | { kind: 'object'; entries: [string, CompiledJson][] };

/** The compiled fields of one locale (the default's are complete; an override's are partial). */
export interface CompiledLocale {
  push?: { title?: CompiledTemplate; body?: CompiledTemplate; url?: CompiledTemplate };
  email?: { subject?: CompiledTemplate; html?: CompiledTemplate; text?: CompiledTemplate };
  sms?: { text?: CompiledTemplate };
  inapp?: { title?: CompiledTemplate; body?: CompiledTemplate; url?: CompiledTemplate };
  webhook?: { body?: CompiledJson };
}

/** A validated template with every field compiled, ready to render many times. */
export interface TemplateDefinition extends TemplateSource {
  /** Keyed like `locales`, plus `defaultLocale`. */
  readonly compiled: ReadonlyMap<string, CompiledLocale>;
}

/** The recipient as templates see it, under `subscriber`. */
export interface TemplateSubscriber {
  id: string;
  name?: string;
  email?: string;
  phone?: string;
  locale?: string;
  timezone?: string;
  data?: Record<string, unknown>;
}

export interface RenderedChannels {
  push?: { title?: string; body: string; url?: string };
  email?: { subject: string; html?: string; text: string };
  sms?: { text: string };
  inapp?: { title?: string; body: string; url?: string };
  webhook?: { body: unknown };
}

export interface RenderedTemplate {
  /** The locale whose content was chosen first (the best match of the request), or the default. */
  locale: string;
  channels: RenderedChannels;
}
