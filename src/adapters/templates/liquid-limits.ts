/**
 * Deterministic limits for liquidjs renders. liquidjs offers two render limits: `memoryLimit`
 * (a count of the string lengths and array sizes its filters create) and `renderLimit` (a
 * wall-clock deadline, read before every node). A deadline makes a valid template fail when the
 * machine is busy, and the allocation count alone misses work that allocates nothing: loops over
 * data, long filter chains, comparisons of long strings. So Herald hands liquidjs one
 * {@link LiquidWorkMeter} in both places and charges, in units of work:
 *   - what liquidjs itself charges to `memoryLimit` (characters and elements its filters create);
 *   - {@link STEP_COST} for every node rendered (liquidjs calls the render limit's `check` there);
 *   - every character written to the output or to a `capture` ({@link MeteredEmitter});
 *   - for every pass of a `for` or `tablerow` body, the length of the tags and outputs in that
 *     body's source times {@link SOURCE_CHAR_COST}, which bounds the filter calls, lookups and
 *     comparisons one pass can make; and the size of the collection each time a loop starts
 *     (liquidjs copies it for `reversed`, `offset`, `limit` and `tablerow`);
 *   - the size of every filter's input and arguments (a list's elements times the length of its
 *     string arguments, for the filters that evaluate a property path or an expression per element);
 *   - the size of both sides of every comparison and `contains`.
 * Sizes are characters for strings and {@link ELEMENT_COST} per element for lists and objects.
 * Nothing reads a clock, so a render that fits once always fits.
 */
import {
  CaptureTag,
  Context,
  Drop,
  ForTag,
  TablerowTag,
  evalToken,
  TypeGuards,
  type Emitter,
  type FilterImplOptions,
  type Liquid,
  type Operators,
  type Parser,
  type TagToken,
  type Template,
  type TopLevelToken,
} from 'liquidjs';
import type { RenderBudget } from '../../ports/template-engine.js';

/** A node rendered: a tag, an output or a run of text. */
export const STEP_COST = 10;
/**
 * One character of tags and outputs in a loop body, per pass (and of a filter's path or
 * expression, per element). liquidjs interprets template code several times more slowly per
 * character than it copies a string, hence the weight. Plain text in a body costs nothing more
 * than the characters it writes.
 */
export const SOURCE_CHAR_COST = 8;
/** One element of a list (or entry of an object) that a filter, comparison or loop walks or copies. */
export const ELEMENT_COST = 4;

/** Thrown when a render spends its budget (liquidjs wraps it in a RenderError on the way out). */
export class WorkLimitError extends Error {
  override readonly name = 'WorkLimitError';
}

/**
 * One render's account. liquidjs calls `use(n)` for what it allocates and `check(now)` before each
 * node; `check` ignores the time it is given and charges a step instead.
 */
export class LiquidWorkMeter {
  constructor(private readonly limit: number, private readonly budget: RenderBudget) {}

  /** The budget is spent: whatever error liquidjs wrapped around ours, this render hit the limit. */
  get exceeded(): boolean {
    return this.budget.used > this.limit;
  }

  use(count: number): void {
    const units = Number(count);
    if (!(units > 0)) return;
    this.budget.used += units;
    if (this.budget.used > this.limit) {
      throw new WorkLimitError(`the render exceeds its work limit of ${this.limit} units (nodes rendered, characters created or written, loop passes weighted by the code they run)`);
    }
  }

  check(): void {
    this.use(STEP_COST);
  }
}

/** A render context whose allocation and render limits both count on `meter`. */
export function meteredContext(liquid: Liquid, scope: object, meter: LiquidWorkMeter): Context {
  // liquidjs types both limits as its own Limiter class, which has private fields; the meter has
  // the two methods liquidjs calls on them.
  const limiter = meter as unknown as Context['memoryLimit'];
  return new Context(scope, liquid.options, { sync: true }, { memoryLimit: limiter, renderLimit: limiter, liquid });
}

/** liquidjs's output conversion: Drops by their value, nil as nothing, lists concatenated. */
function stringify(value: unknown, meter: LiquidWorkMeter): string {
  const v: unknown = value instanceof Drop ? value.valueOf() : value;
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) {
    meter.use(v.length * ELEMENT_COST);
    return v.map((item) => stringify(item, meter)).join('');
  }
  return String(v);
}

/** Collects output and charges every character written. */
export class MeteredEmitter implements Emitter {
  buffer = '';

  constructor(private readonly meter: LiquidWorkMeter) {}

  write(html: unknown): void {
    const text = stringify(html, this.meter);
    this.meter.use(text.length);
    this.buffer += text;
  }
}

function meterOf(ctx: Context): LiquidWorkMeter {
  return ctx.memoryLimit as unknown as LiquidWorkMeter;
}

/** The size a value counts for: a string's length, a list's or object's elements, 1 for anything else. */
function sizeOf(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (Array.isArray(value)) return value.length * ELEMENT_COST;
  if (value !== null && typeof value === 'object') return Object.keys(value).length * ELEMENT_COST;
  return 1;
}

// Code characters (inside {{ }} and {% %}) before each position of the source being compiled.
// Compiling is synchronous and visits one source at a time, so one table serves all its loops;
// the engine drops it when the compile ends.
let codeTable: { source: string; before: Int32Array } | undefined;
const CODE = /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g;

function codeCharsBetween(source: string, from: number, to: number): number {
  if (codeTable?.source !== source) {
    const before = new Int32Array(source.length + 1);
    let last = 0;
    let count = 0;
    for (const match of source.matchAll(CODE)) {
      before.fill(count, last + 1, match.index + 1);
      for (let i = 0; i < match[0].length; i++) before[match.index + i + 1] = ++count;
      last = match.index + match[0].length;
    }
    before.fill(count, last + 1);
    codeTable = { source, before };
  }
  return codeTable.before[to] - codeTable.before[from];
}

export function forgetCompiledSource(): void {
  codeTable = undefined;
}

/** What one pass over a block's body costs: the code from the end of its tag to the token after its end tag. */
function passCost(token: TagToken, remainTokens: TopLevelToken[]): number {
  const next = remainTokens[0];
  const end = next && next.input === token.input ? next.begin : token.input.length;
  return Math.max(1, codeCharsBetween(token.input, token.end, end) * SOURCE_CHAR_COST);
}

/** A template node that renders nothing and charges one pass over a loop body. */
function passCharge(token: TagToken, units: number): Template {
  return {
    token,
    render(ctx: Context): string {
      meterOf(ctx).use(units);
      return '';
    },
  };
}

/** Charges the collection's size when a loop starts; ranges charge their own size when evaluated. */
function* chargeCollection(tag: { collection: ForTag['collection'] }, ctx: Context): Generator<unknown, void, unknown> {
  if (TypeGuards.isRangeToken(tag.collection)) return;
  const collection = yield evalToken(tag.collection, ctx);
  meterOf(ctx).use(sizeOf(collection));
}

class MeteredFor extends ForTag {
  constructor(token: TagToken, remainTokens: TopLevelToken[], liquid: Liquid, parser: Parser) {
    super(token, remainTokens, liquid, parser);
    this.templates.unshift(passCharge(token, passCost(token, remainTokens)));
  }

  override *render(ctx: Context, emitter: Emitter): Generator<unknown, void | string, Template[]> {
    yield* chargeCollection(this, ctx);
    return yield* super.render(ctx, emitter);
  }
}

class MeteredTablerow extends TablerowTag {
  constructor(token: TagToken, remainTokens: TopLevelToken[], liquid: Liquid, parser: Parser) {
    super(token, remainTokens, liquid, parser);
    this.templates.unshift(passCharge(token, passCost(token, remainTokens)));
  }

  override *render(ctx: Context, emitter: Emitter): Generator<unknown, void, unknown> {
    yield* chargeCollection(this, ctx);
    yield* super.render(ctx, emitter);
  }
}

/** `capture` renders into an emitter of its own; this one charges what it collects. */
class MeteredCapture extends CaptureTag {
  override *render(ctx: Context): Generator<unknown, void, string> {
    const emitter = new MeteredEmitter(meterOf(ctx));
    yield this.liquid.renderer.renderTemplates(this.templates, ctx, emitter);
    (ctx.bottom() as Record<string, unknown>)[this.variable] = emitter.buffer;
  }
}

// Filters that evaluate a property path or an expression (their string arguments) per element.
const PER_ELEMENT_FILTERS = new Set([
  'where', 'reject', 'where_exp', 'reject_exp', 'group_by', 'group_by_exp', 'has', 'has_exp',
  'find', 'find_exp', 'find_index', 'find_index_exp', 'map', 'sum', 'sort', 'sort_natural', 'join',
]);

type FilterHandler = Extract<FilterImplOptions, (...args: never[]) => unknown>;

/** Wraps every registered filter so that each call first pays for its input and arguments. */
function meterFilters(liquid: Liquid): void {
  for (const [name, registered] of Object.entries(liquid.filters)) {
    const handler: FilterHandler = typeof registered === 'function' ? registered : registered.handler;
    const raw = typeof registered === 'function' ? false : registered.raw;
    const perElement = PER_ELEMENT_FILTERS.has(name);
    liquid.registerFilter(name, {
      raw,
      handler(this: ThisParameterType<FilterHandler>, value: unknown, ...args: unknown[]): unknown {
        let units = sizeOf(value);
        let argChars = 0;
        for (const arg of args) {
          units += sizeOf(arg);
          if (typeof arg === 'string') argChars += arg.length;
        }
        if (perElement && Array.isArray(value)) units += value.length * argChars * SOURCE_CHAR_COST;
        this.context.memoryLimit.use(units);
        return handler.call(this, value, ...args);
      },
    });
  }
}

const BINARY_OPERATORS = ['==', '!=', '>', '<', '>=', '<=', 'contains'];

/** The default operators, each comparison first paying for the size of both sides. */
export function meteredOperators(base: Operators): Operators {
  const operators: Operators = { ...base };
  for (const name of BINARY_OPERATORS) {
    const compare = base[name] as (l: unknown, r: unknown, ctx: Context) => unknown;
    operators[name] = function* (l: unknown, r: unknown, ctx: Context) {
      meterOf(ctx).use(sizeOf(l) + sizeOf(r));
      return (yield compare(l, r, ctx)) as boolean;
    };
  }
  return operators;
}

/** Installs the metered loop and capture tags and filters on a liquidjs instance. */
export function installMetering(liquid: Liquid): void {
  liquid.registerTag('for', MeteredFor);
  liquid.registerTag('tablerow', MeteredTablerow);
  liquid.registerTag('capture', MeteredCapture);
  meterFilters(liquid);
}
