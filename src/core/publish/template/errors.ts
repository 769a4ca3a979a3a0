import { HeraldError } from '../../../errors/index.js';

/** Parse-time failure: ntfy answers these with 40043, as Go's Parse would fail. */
export function syntaxError(line: number, message: string): never {
  throw new HeraldError('templateInvalid', { detail: `line ${line}: ${message}` });
}

/** Run-time failure: ntfy answers these with 40045, as Go's Execute would fail. */
export function execError(message: string): never {
  throw new HeraldError('templateExecutionFailed', { detail: message });
}

/** Sub-templates and `call` are refused outright rather than parsed, as ntfy refuses them. */
export function disallowed(line: number, word: string): never {
  throw new HeraldError('templateDisallowedFunction', { detail: `line ${line}: ${word}` });
}

/** Thrown by template functions; the evaluator names the function when converting it. */
export class FuncError extends Error {}
