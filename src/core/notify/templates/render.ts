import { HeraldError } from '../../../errors/index.js';
import { TemplateRenderError, type CompiledTemplate, type RenderBudget } from '../../../ports/template-engine.js';
import { htmlToText } from '../../../util/html-to-text.js';
import { localeChain } from './locale-fallback.js';
import type {
  CompiledJson,
  CompiledLocale,
  RenderedChannels,
  RenderedTemplate,
  TemplateChannel,
  TemplateDefinition,
  TemplateSubscriber,
} from './template.js';

export interface RenderTemplateInput {
  /** The locale asked for; without it, the subscriber's; without that, the template's default. */
  locale?: string;
  /** The notification's data: its keys are top-level variables and are also under `data`. */
  data?: Record<string, unknown>;
  subscriber?: TemplateSubscriber;
  /** Only these channels (those the template lacks are left out); all of the template's by default. */
  channels?: readonly TemplateChannel[];
}

/**
 * Renders a parsed template for one recipient. Each field comes from the first locale of the
 * fallback chain that sets it (`fr-CA → fr → default`), with one exception: an email's text part
 * goes with its HTML, so a locale that overrides `html` but not `text` gets text derived from its
 * own HTML rather than the default language's text. Optional fields (push/inapp `title` and
 * `url`, email `html`) that render blank are left out; short fields are trimmed, and the subject
 * is kept on one line. All the fields of one call share one work budget of the engine. Throws
 * HeraldError naming the channel, field and locale when a field fails to render: badRequest, or
 * templateLimitExceeded when the engine's work limit stopped it.
 */
export function renderTemplate(def: TemplateDefinition, input: RenderTemplateInput = {}): RenderedTemplate {
  const chain = compiledChain(def, input.locale ?? input.subscriber?.locale);
  const data = input.data ?? {};
  // Our two names win over same-named data keys: `data` and `subscriber` always mean these.
  const scope: Record<string, unknown> = { ...data, data, subscriber: subscriberView(input.subscriber) };
  const wanted = input.channels;
  const channels: RenderedChannels = {};
  const r = new FieldRenderer(chain, scope);

  if (def.channels.push && (!wanted || wanted.includes('push'))) {
    channels.push = withOptional({ body: r.text('push', 'body').trim() }, { title: r.optional('push', 'title'), url: r.optional('push', 'url') });
  }
  if (def.channels.email && (!wanted || wanted.includes('email'))) channels.email = renderEmail(r);
  if (def.channels.sms && (!wanted || wanted.includes('sms'))) channels.sms = { text: r.text('sms', 'text').trim() };
  if (def.channels.inapp && (!wanted || wanted.includes('inapp'))) {
    channels.inapp = withOptional({ body: r.text('inapp', 'body').trim() }, { title: r.optional('inapp', 'title'), url: r.optional('inapp', 'url') });
  }
  if (def.channels.webhook && (!wanted || wanted.includes('webhook'))) channels.webhook = { body: r.json() };
  return { locale: chain[0]!.locale, channels };
}

function renderEmail(r: FieldRenderer): NonNullable<RenderedChannels['email']> {
  const subject = r.text('email', 'subject').replace(/\s*[\r\n]+\s*/g, ' ').trim();
  const htmlAt = r.indexOf('email', 'html');
  const textAt = r.indexOf('email', 'text');
  const html = htmlAt === -1 ? undefined : r.renderAt(htmlAt, 'email', 'html');
  const hasHtml = html !== undefined && html.trim() !== '';
  let text = '';
  if (textAt !== -1 && (htmlAt === -1 || textAt <= htmlAt)) text = r.renderAt(textAt, 'email', 'text').trim();
  else if (hasHtml) text = htmlToText(html);
  // A locale's html that renders blank has no text to give: the text template still can.
  if (text.trim() === '' && textAt !== -1) text = r.renderAt(textAt, 'email', 'text').trim();
  const email: NonNullable<RenderedChannels['email']> = { subject, text };
  if (hasHtml) email.html = html;
  return email;
}

interface ChainLink {
  locale: string;
  compiled: CompiledLocale;
}

type Field<C extends keyof CompiledLocale> = keyof NonNullable<CompiledLocale[C]>;
type StringChannel = Exclude<keyof CompiledLocale, 'webhook'>;

/** Finds each field along the locale chain and renders it, turning failures into HeraldErrors. */
class FieldRenderer {
  readonly #chain: readonly ChainLink[];
  readonly #scope: Record<string, unknown>;
  readonly #budget: RenderBudget = { used: 0 };

  constructor(chain: readonly ChainLink[], scope: Record<string, unknown>) {
    this.#chain = chain;
    this.#scope = scope;
  }

  indexOf<C extends keyof CompiledLocale>(channel: C, field: Field<C>): number {
    return this.#chain.findIndex((link) => (link.compiled[channel] as Record<PropertyKey, unknown> | undefined)?.[field] !== undefined);
  }

  /** A field the default locale always has. */
  text<C extends StringChannel>(channel: C, field: Field<C>): string {
    const at = this.indexOf(channel, field);
    return at === -1 ? '' : this.renderAt(at, channel, field);
  }

  /** A field that may be absent; undefined also when it renders blank. */
  optional<C extends StringChannel>(channel: C, field: Field<C>): string | undefined {
    const at = this.indexOf(channel, field);
    if (at === -1) return undefined;
    const value = this.renderAt(at, channel, field).trim();
    return value === '' ? undefined : value;
  }

  renderAt<C extends StringChannel>(at: number, channel: C, field: Field<C>): string {
    const link = this.#chain[at]!;
    const template = (link.compiled[channel] as Record<PropertyKey, unknown>)[field] as CompiledTemplate;
    return this.#run(template, `${channel}.${String(field)}`, link.locale);
  }

  json(): unknown {
    const at = this.indexOf('webhook', 'body');
    if (at === -1) return null;
    const link = this.#chain[at]!;
    return this.#renderJson(link.compiled.webhook!.body!, 'webhook.body', link.locale);
  }

  #renderJson(node: CompiledJson, path: string, locale: string): unknown {
    switch (node.kind) {
      case 'template':
        return this.#run(node.template, path, locale);
      case 'literal':
        return node.value;
      case 'array':
        return node.items.map((item, i) => this.#renderJson(item, `${path}[${i}]`, locale));
      case 'object': {
        const out: Record<string, unknown> = {};
        for (const [key, item] of node.entries) {
          // defineProperty, so a "__proto__" key in the body stays a plain key.
          Object.defineProperty(out, key, { value: this.#renderJson(item, `${path}.${key}`, locale), enumerable: true, writable: true, configurable: true });
        }
        return out;
      }
    }
  }

  #run(template: CompiledTemplate, path: string, locale: string): string {
    try {
      return template.render(this.#scope, this.#budget);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new HeraldError(error instanceof TemplateRenderError && error.limit ? 'templateLimitExceeded' : 'badRequest', {
        detail: `${path} (locale ${locale}) failed to render: ${reason}`,
        cause: error,
        details: { field: path, locale },
      });
    }
  }
}

/**
 * Only the documented fields: a caller may pass a whole stored subscriber record, and its
 * preferences, webhook URL or timestamps are not template material.
 */
function subscriberView(s: TemplateSubscriber | undefined): TemplateSubscriber | undefined {
  if (!s) return undefined;
  return { id: s.id, name: s.name, email: s.email, phone: s.phone, locale: s.locale, timezone: s.timezone, data: s.data ?? {} };
}

function withOptional<T extends object>(base: T, optional: Record<string, string | undefined>): T {
  const out = base as Record<string, unknown>;
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) out[key] = value;
  return base;
}

const MAX_CACHED_CHAINS = 256;
const chains = new WeakMap<TemplateDefinition, Map<string, ChainLink[]>>();

/** The compiled locales to try, cached per definition: a bulk send asks the same few locales over and over. */
function compiledChain(def: TemplateDefinition, requested: string | undefined): ChainLink[] {
  let cache = chains.get(def);
  if (!cache) {
    cache = new Map();
    chains.set(def, cache);
  }
  const key = requested ?? '';
  const hit = cache.get(key);
  if (hit) return hit;
  const chain = localeChain(requested, Object.keys(def.locales), def.defaultLocale).map((locale) => ({
    locale,
    compiled: def.compiled.get(locale)!,
  }));
  if (cache.size < MAX_CACHED_CHAINS) cache.set(key, chain);
  return chain;
}
