/**
 * ntfy's template mode (`X-Template: yes`): the message and title are Go text/template sources
 * rendered against the JSON request body. This is a self-contained interpreter for the subset of
 * Go's template language those templates use; it never hands template text to the JS engine.
 */
import { HeraldError } from '../../../errors/index.js';
import { execute } from './evaluator.js';
import { FUNCTIONS } from './functions.js';
import { lex } from './lexer.js';
import { parse } from './parser.js';

export interface RenderTemplateOptions {
  /** Wall-clock budget for evaluation (ntfy's is 100 ms). */
  timeoutMs?: number;
  /** Largest output, in UTF-8 bytes, before the render fails as too large. */
  maxOutputBytes?: number;
}

const DEFAULT_TIMEOUT_MS = 100;
const DEFAULT_MAX_OUTPUT_BYTES = 4096;
const MIN_VALUE_CHARS = 1 << 20;
const FUNCTION_NAMES: ReadonlySet<string> = new Set(FUNCTIONS.keys());

/**
 * Renders `source` against `data` (parsed JSON). Throws HeraldError: templateDisallowedFunction,
 * templateInvalid, templateExecutionFailed (including the time budget) or templateMessageTooLarge.
 */
export function renderTemplate(source: string, data: unknown, options: RenderTemplateOptions = {}): string {
  let tree;
  try {
    tree = parse(lex(source), FUNCTION_NAMES);
  } catch (err) {
    throw asHeraldError(err, 'templateInvalid');
  }
  // As in ntfy, the clock starts once the template is parsed.
  const deadline = performance.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  try {
    return execute(tree, data, { deadline, maxOutputBytes, maxValueChars: Math.max(MIN_VALUE_CHARS, maxOutputBytes) });
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
