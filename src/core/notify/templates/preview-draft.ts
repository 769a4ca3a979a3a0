import { HeraldError } from '../../../errors/index.js';
import { TemplateRenderError, TemplateSyntaxError, type TemplateEngine } from '../../../ports/template-engine.js';
import { parseTemplate } from './parse-template.js';
import { renderTemplate, type RenderTemplateInput } from './render.js';
import { TEMPLATE_CHANNELS, type RenderedChannels, type TemplateChannel } from './template.js';

/** One thing wrong with a draft, placed as precisely as the engine could: field, locale, line, column. */
export interface TemplateProblem {
  /** The channel whose content has the problem, when it is one channel's. */
  channel?: TemplateChannel;
  /** The field within the channel, e.g. `html`, `title`, `body.order` (a webhook body's leaf). */
  field?: string;
  locale?: string;
  /** 1-based, in the field's own source. */
  line?: number;
  column?: number;
  /** `parse`: the source does not parse (a PUT would refuse it); `render`: it parsed but failed with this data; `shape`: a field is missing or wrong. */
  kind: 'parse' | 'render' | 'shape';
  message: string;
}

export interface DraftPreview {
  /** The locale whose content was chosen first for the channels that rendered. */
  locale: string;
  /** The channels that parsed and rendered; one with a problem is left out. */
  channels: RenderedChannels;
  problems: TemplateProblem[];
}

/** Name a draft is compiled under; drafts are never stored, so any valid name serves. */
const DRAFT_NAME = 'draft';

/**
 * Renders a template that is not stored (an editor's draft) with the same engine, checks and
 * locale fallback as a stored one, but reports every channel on its own: a channel whose source
 * does not parse, or fails to render with the data given, becomes a problem with its field, locale,
 * line and column, and the other channels still render. A draft whose outline is wrong (not an
 * object, no channels, a bad default locale) is refused as a whole, as `PUT /v1/templates` would.
 */
export function previewDraft(json: unknown, engine: TemplateEngine, input: RenderTemplateInput): DraftPreview {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new HeraldError('badRequest', { detail: 'template must be a JSON object' });
  // The draft's name and category do not matter for rendering (a category need not exist yet).
  const { name: _name, category: _category, ...outline } = json as Record<string, unknown>;
  const channels = outline.channels;
  if (channels === null || typeof channels !== 'object' || Array.isArray(channels)) {
    throw new HeraldError('badRequest', { detail: 'template.channels must be a JSON object' });
  }
  const present = Object.keys(channels).filter((c) => (channels as Record<string, unknown>)[c] != null);
  const unknown = present.find((c) => !(TEMPLATE_CHANNELS as readonly string[]).includes(c));
  if (unknown !== undefined) throw new HeraldError('badRequest', { detail: `template.channels.${unknown} is not a channel; the channels are ${TEMPLATE_CHANNELS.join(', ')}` });
  if (present.length === 0) throw new HeraldError('badRequest', { detail: `template.channels must have at least one of ${TEMPLATE_CHANNELS.join(', ')}` });

  const problems: TemplateProblem[] = [];
  const rendered: RenderedChannels = {};
  let locale: string | undefined;
  for (const channel of TEMPLATE_CHANNELS) {
    if (!present.includes(channel)) continue;
    let def;
    try {
      def = parseTemplate(DRAFT_NAME, onlyChannel(outline, channel), engine);
    } catch (error) {
      problems.push(problemOf(error, channel));
      continue;
    }
    try {
      const out = renderTemplate(def, { ...input, channels: [channel] });
      locale ??= out.locale;
      Object.assign(rendered, out.channels);
    } catch (error) {
      problems.push(problemOf(error, channel));
    }
  }
  if (locale === undefined) {
    // Nothing rendered: a problem outside every channel (the default locale, a locale key) is the whole draft's.
    const outer = problems.find((p) => p.kind === 'shape' && p.channel === undefined);
    if (outer) throw new HeraldError('badRequest', { detail: outer.message });
    locale = typeof outline.default_locale === 'string' ? outline.default_locale : 'en';
  }
  return { locale, channels: rendered, problems };
}

/** The draft cut down to one channel, in the default locale and every locale that overrides it. */
function onlyChannel(outline: Record<string, unknown>, channel: TemplateChannel): Record<string, unknown> {
  const channels = outline.channels as Record<string, unknown>;
  const cut: Record<string, unknown> = { ...outline, channels: { [channel]: channels[channel] } };
  const locales = outline.locales;
  if (locales !== null && typeof locales === 'object' && !Array.isArray(locales)) {
    const kept: Record<string, unknown> = {};
    for (const [tag, overrides] of Object.entries(locales)) {
      if (overrides !== null && typeof overrides === 'object' && !Array.isArray(overrides)) {
        const own = (overrides as Record<string, unknown>)[channel];
        kept[tag] = own == null ? {} : { [channel]: own };
      } else {
        kept[tag] = overrides;
      }
    }
    cut.locales = kept;
  }
  return cut;
}

function problemOf(error: unknown, channel: TemplateChannel): TemplateProblem {
  if (!(error instanceof HeraldError)) throw error;
  if (error.errorName !== 'badRequest' && error.errorName !== 'templateLimitExceeded') throw error;
  const details = error.details ?? {};
  const cause = error.cause;
  const problem: TemplateProblem = { kind: 'shape', message: error.message.replace(/^invalid request: /, '') };
  if (cause instanceof TemplateSyntaxError || cause instanceof TemplateRenderError) {
    problem.kind = cause instanceof TemplateSyntaxError ? 'parse' : 'render';
    problem.message = cause.reason;
    if (cause.line !== undefined) problem.line = cause.line;
    if (cause.column !== undefined) problem.column = cause.column;
  }
  // Parse errors name `channels.email.html` or `locales.fr.email.html`; render errors `email.html`.
  const path = typeof details.field === 'string' ? details.field : /^((?:channels|locales)\.\S+?)(?:\s|$)/.exec(problem.message)?.[1];
  if (path !== undefined) {
    const at = path.split('.').indexOf(channel);
    if (at !== -1) {
      problem.channel = channel;
      const field = path.split('.').slice(at + 1).join('.');
      if (field) problem.field = field;
    }
  }
  if (typeof details.locale === 'string') problem.locale = details.locale;
  return problem;
}
