import { ERROR_CODES, type ErrorName } from './codes.js';

/** The JSON body every error answer carries (ntfy's shape; `code` and `link` omitted when empty). */
export interface ErrorBody {
  code?: number;
  http: number;
  error: string;
  link?: string;
}

/** The one error type Herald throws. The HTTP edge turns it into {@link ErrorBody}. */
export class HeraldError extends Error {
  override readonly name = 'HeraldError';
  readonly errorName: ErrorName;
  readonly code: number;
  readonly http: number;
  readonly link: string | undefined;
  /** Extra, non-secret context for logs; never sent to the client. */
  readonly details: Record<string, unknown> | undefined;

  constructor(name: ErrorName, options: { detail?: string; cause?: unknown; details?: Record<string, unknown> } = {}) {
    const spec = ERROR_CODES[name];
    super(options.detail ? `${spec.message}: ${options.detail}` : spec.message, { cause: options.cause });
    this.errorName = name;
    this.code = spec.code;
    this.http = spec.http;
    this.link = 'link' in spec ? spec.link : undefined;
    this.details = options.details;
  }

  toJSON(): ErrorBody {
    const body: ErrorBody = { code: this.code, http: this.http, error: this.message };
    if (this.link) body.link = this.link;
    return body;
  }
}

export function isHeraldError(value: unknown): value is HeraldError {
  return value instanceof HeraldError;
}
