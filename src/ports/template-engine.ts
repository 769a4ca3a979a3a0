/**
 * The template language of notify templates (Liquid in production). Core compiles every field of
 * a template once, when the template is stored, and renders the compiled form for each recipient.
 */

/**
 * Work already spent by the renders of one notification, so that a template with many fields (an
 * e-mail, a webhook body with many string leaves) shares one limit rather than one per field.
 * The engine adds what each render spends, including a render that failed.
 */
export interface RenderBudget {
  used: number;
}

/**
 * A template that parsed. Rendering is synchronous and bounded by the engine's deterministic work
 * limit (never by a clock): the same template and data always render or always fail.
 */
export interface CompiledTemplate {
  /**
   * Renders against `scope` (its keys are the template's top-level variables). A variable that is
   * missing renders as the empty string. Throws {@link TemplateRenderError} when the template
   * fails while running, e.g. when it exceeds the work limit (then `limit` is true). Without a
   * `budget` the render has the whole limit to itself.
   */
  render(scope: Record<string, unknown>, budget?: RenderBudget): string;
}

export interface TemplateEngine {
  /**
   * Parses `source`. With `html: true` every output is HTML-escaped unless its last filter is
   * `raw`; with `html: false` outputs are written as they are (text, push, SMS, webhook JSON).
   * Throws {@link TemplateSyntaxError} when the source does not parse, names an unknown filter or
   * uses a tag that is not allowed (`include`, `render`, `layout`: templates cannot read files).
   * The same (source, html) may return the same object: a compiled template holds no state.
   */
  compile(source: string, options: { html: boolean }): CompiledTemplate;
}

/** Where in the source a template error is, 1-based; absent when the engine could not tell. */
export interface TemplatePosition {
  line?: number;
  column?: number;
}

/** The source does not parse. `reason` is the engine's message without the position. */
export class TemplateSyntaxError extends Error {
  override readonly name = 'TemplateSyntaxError';
  readonly reason: string;
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(reason: string, position: TemplatePosition = {}, options: { cause?: unknown } = {}) {
    super(withPosition(reason, position), { cause: options.cause });
    this.reason = reason;
    this.line = position.line;
    this.column = position.column;
  }
}

/** A template parsed but failed while rendering (a limit, a filter that threw). */
export class TemplateRenderError extends Error {
  override readonly name = 'TemplateRenderError';
  readonly reason: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
  /** The render was stopped by the engine's work limit rather than by an error in the template. */
  readonly limit: boolean;

  constructor(reason: string, position: TemplatePosition = {}, options: { cause?: unknown; limit?: boolean } = {}) {
    super(withPosition(reason, position), { cause: options.cause });
    this.reason = reason;
    this.line = position.line;
    this.column = position.column;
    this.limit = options.limit ?? false;
  }
}

function withPosition(reason: string, { line, column }: TemplatePosition): string {
  if (line === undefined) return reason;
  return column === undefined ? `${reason} (line ${line})` : `${reason} (line ${line}, column ${column})`;
}
