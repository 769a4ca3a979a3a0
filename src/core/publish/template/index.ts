/**
 * ntfy's template mode (`X-Template: yes`): the message and title are Go text/template sources
 * rendered against the JSON request body. This is a self-contained interpreter for the subset of
 * Go's template language those templates use; it never hands template text to the JS engine.
 */
import { HeraldError } from '../../../errors/index.js';
import { execute } from './evaluator.js';
import { DEFAULT_LIMITS, type TemplateLimits } from './limits.js';
import { FUNCTIONS } from './functions.js';
import { lex } from './lexer.js';
import { parse } from './parser.js';

export type RenderTemplateOptions = Partial<TemplateLimits>;

const FUNCTION_NAMES: ReadonlySet<string> = new Set(FUNCTIONS.keys());

/**
 * Renders `source` against `data` (parsed JSON) within the deterministic limits of limits.ts
 * (defaults: 4,096 output bytes, 65,536 characters per value, 2,000,000 units of work). Throws
 * HeraldError: templateDisallowedFunction, templateInvalid, templateExecutionFailed,
 * templateLimitExceeded or templateMessageTooLarge.
 */
export function renderTemplate(source: string, data: unknown, options: RenderTemplateOptions = {}): string {
  let tree;
  try {
    tree = parse(lex(source), FUNCTION_NAMES);
  } catch (err) {
    throw asHeraldError(err, 'templateInvalid');
  }
  try {
    return execute(tree, data, { ...DEFAULT_LIMITS, ...options });
  } catch (err) {
    throw asHeraldError(err, 'templateExecutionFailed');
  }
}

/** A stack overflow on pathological data (deeply nested JSON) is the template's failure, not ours. */
function asHeraldError(err: unknown, fallback: 'templateInvalid' | 'templateExecutionFailed'): unknown {
  if (err instanceof HeraldError) return err;
  if (err instanceof RangeError) return new HeraldError(fallback, { detail: err.message, cause: err });
  return err;
}
