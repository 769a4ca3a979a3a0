import { Liquid, LiquidError, Tag, type TagToken, type Template, type TopLevelToken } from 'liquidjs';
import {
  TemplateRenderError,
  TemplateSyntaxError,
  type CompiledTemplate,
  type TemplateEngine,
  type TemplatePosition,
} from '../../ports/template-engine.js';

export interface LiquidEngineOptions {
  /** Wall-clock budget of one render, in milliseconds. */
  renderLimitMs?: number;
  /** liquidjs's allocation budget of one render (string lengths and array sizes it creates). */
  memoryLimit?: number;
  /** Longest source one compile accepts, in characters. */
  parseLimit?: number;
  /** Compiled templates kept, keyed by (source, html); the least recently used go first. */
  cacheSize?: number;
  /**
   * Zone of the `date` filter when a template gives none. UTC by default, so output never depends
   * on the host; a template can pass the subscriber's zone: `{{ at | date: "%H:%M", subscriber.timezone }}`.
   */
  timezone?: string;
  /** Locale of the `date` filter's day and month names. */
  dateLocale?: string;
}

const DEFAULTS = {
  renderLimitMs: 100,
  memoryLimit: 10_000_000,
  parseLimit: 1 << 20,
  cacheSize: 5000,
  timezone: 'UTC',
  dateLocale: 'en-US',
} satisfies Required<LiquidEngineOptions>;

/** Tags that read other templates. Herald templates are single, self-contained sources. */
const FILE_TAGS = ['include', 'render', 'layout'] as const;

/**
 * Notify templates in Liquid (liquidjs). Two instances share one configuration: the HTML one
 * escapes every output unless its last filter is `raw` (so `{{ name | escape }}` escapes twice);
 * the plain one writes outputs as they are. Neither touches the file system: `templates: {}` puts
 * liquidjs on an empty in-memory map, and the tags that would read another template fail at
 * compile. Unknown filters are compile errors; unknown variables render empty.
 */
export function createLiquidEngine(options: LiquidEngineOptions = {}): TemplateEngine {
  const settings = { ...DEFAULTS, ...options };
  const html = createInstance(settings, true);
  const plain = createInstance(settings, false);
  const cache = new Map<string, CompiledTemplate>();

  return {
    compile(source, { html: isHtml }) {
      // The flag leads the key so an HTML and a plain compile of the same source never collide.
      const key = (isHtml ? 'h' : 't') + source;
      const hit = cache.get(key);
      if (hit) {
        cache.delete(key);
        cache.set(key, hit);
        return hit;
      }
      const liquid = isHtml ? html : plain;
      let parsed: Template[];
      try {
        parsed = liquid.parse(source);
      } catch (error) {
        throw new TemplateSyntaxError(reasonOf(error), positionOf(error), { cause: error });
      }
      const compiled = wrapParsed(liquid, parsed);
      cache.set(key, compiled);
      if (cache.size > settings.cacheSize) cache.delete(cache.keys().next().value!);
      return compiled;
    },
  };
}

function wrapParsed(liquid: Liquid, parsed: Template[]): CompiledTemplate {
  return {
    render(scope) {
      try {
        return liquid.renderSync(parsed, scope) as string;
      } catch (error) {
        throw new TemplateRenderError(reasonOf(error), positionOf(error), { cause: error });
      }
    },
  };
}

function createInstance(settings: Required<LiquidEngineOptions>, html: boolean): Liquid {
  const liquid = new Liquid({
    templates: {},
    relativeReference: false,
    strictFilters: true,
    strictVariables: false,
    ownPropertyOnly: true,
    outputEscape: html ? 'escape' : undefined,
    parseLimit: settings.parseLimit,
    renderLimit: settings.renderLimitMs,
    memoryLimit: settings.memoryLimit,
    timezoneOffset: settings.timezone,
    locale: settings.dateLocale,
  });
  for (const name of FILE_TAGS) liquid.registerTag(name, FileTagRefused);
  return liquid;
}

/** Stands in for include/render/layout: refuses at parse, so the template is rejected when stored. */
class FileTagRefused extends Tag {
  constructor(token: TagToken, remainTokens: TopLevelToken[], liquid: Liquid) {
    super(token, remainTokens, liquid);
    throw new Error(`the "${token.name}" tag is not allowed: a template cannot load other templates`);
  }

  render(): void {}
}

/** liquidjs appends ", line:L, col:C" to its messages; the position is reported separately. */
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/, line:\d+, col:\d+$/, '');
}

function positionOf(error: unknown): TemplatePosition {
  if (!LiquidError.is(error)) return {};
  const token = (error as LiquidError).token as { getPosition?: () => number[] } | undefined;
  const position = token?.getPosition?.();
  if (!position || position.length < 2) return {};
  return { line: position[0], column: position[1] };
}
