import { Liquid, LiquidError, Tag, defaultOperators, toValueSync, type TagToken, type Template, type TopLevelToken } from 'liquidjs';
import { forgetCompiledSource, installMetering, LiquidWorkMeter, meteredContext, MeteredEmitter, meteredOperators } from './liquid-limits.js';
import {
  TemplateRenderError,
  TemplateSyntaxError,
  type CompiledTemplate,
  type TemplateEngine,
  type TemplatePosition,
} from '../../ports/template-engine.js';

export interface LiquidEngineOptions {
  /**
   * Work units one render (all the fields of one notification) may spend; see liquid-limits.ts:
   * nodes rendered, characters created and written, loop passes weighted by the code in their
   * body. Counted, never timed, so a template that renders once always renders; the default stops
   * the worst template within about 100 ms of work.
   */
  workLimit?: number;
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
  workLimit: 1_000_000,
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
      } finally {
        forgetCompiledSource();
      }
      const compiled = wrapParsed(liquid, parsed, settings.workLimit);
      cache.set(key, compiled);
      if (cache.size > settings.cacheSize) cache.delete(cache.keys().next().value!);
      return compiled;
    },
  };
}

function wrapParsed(liquid: Liquid, parsed: Template[], workLimit: number): CompiledTemplate {
  return {
    render(scope, budget = { used: 0 }) {
      const meter = new LiquidWorkMeter(workLimit, budget);
      const emitter = new MeteredEmitter(meter);
      try {
        toValueSync(liquid.renderer.renderTemplates(parsed, meteredContext(liquid, scope, meter), emitter));
        return emitter.buffer;
      } catch (error) {
        throw new TemplateRenderError(reasonOf(error), positionOf(error), { cause: error, limit: meter.exceeded });
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
    operators: meteredOperators(defaultOperators),
    timezoneOffset: settings.timezone,
    locale: settings.dateLocale,
  });
  for (const name of FILE_TAGS) liquid.registerTag(name, FileTagRefused);
  installMetering(liquid);
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
