import http, { type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';

const USER_AGENT = 'herald-cli';
// Printable ASCII only; "=?" is encoded too, or the server would decode it as an encoded word.
const PLAIN_HEADER = /^[\x20-\x7e]*$/;
// base64 of 45 bytes is 60 characters, keeping each encoded word under RFC 2047's 75.
const WORD_BYTES = 45;

/** A failure to reach the server at all (refused, DNS, reset before a response). */
export class ConnectionError extends Error {
  constructor(url: string, cause: Error) {
    super(`cannot reach ${url}: ${describe(cause)}`, { cause });
  }
}

/**
 * Node refuses non-ASCII header values, so they travel as RFC 2047 `=?UTF-8?B?...?=` words,
 * which the server decodes. Words are split on character boundaries; adjacent words are joined
 * again by the decoder.
 */
export function encodeHeaderValue(value: string): string {
  if (PLAIN_HEADER.test(value) && !value.includes('=?')) return value;
  const words: string[] = [];
  let chunk = '';
  let size = 0;
  for (const char of value) {
    const bytes = Buffer.byteLength(char);
    if (size + bytes > WORD_BYTES) {
      words.push(chunk);
      chunk = '';
      size = 0;
    }
    chunk += char;
    size += bytes;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w).toString('base64')}?=`).join(' ');
}

export interface RequestOptions {
  method: string;
  headers?: Record<string, string | number | undefined>;
  /** Sent as is; a stream is piped and should come with a Content-Length header. */
  body?: Buffer | Readable;
  signal?: AbortSignal;
}

/** Sends a request and resolves once the response headers arrive; the body is left to the caller. */
export function request(url: string, options: RequestOptions): Promise<IncomingMessage> {
  const headers: OutgoingHttpHeaders = { 'User-Agent': USER_AGENT };
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value !== undefined) headers[name] = typeof value === 'number' ? value : encodeHeaderValue(value);
  }
  if (Buffer.isBuffer(options.body)) headers['Content-Length'] = options.body.length;
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const lib = target.protocol === 'https:' ? https : http;
    const req = lib.request(target, { method: options.method, headers, signal: options.signal }, resolve);
    req.on('error', (err) => reject(err.name === 'AbortError' ? err : new ConnectionError(url, err)));
    const body = options.body;
    if (body === undefined || Buffer.isBuffer(body)) {
      req.end(body);
    } else {
      body.on('error', (err) => req.destroy(err));
      body.pipe(req);
    }
  });
}

export async function readText(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `<error> (code <code>)` from the server's JSON error body, or the status and raw text. */
export function errorText(status: number, body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; code?: unknown };
    if (typeof parsed.error === 'string') return parsed.code === undefined ? parsed.error : `${parsed.error} (code ${String(parsed.code)})`;
  } catch {
    // Not ours (a proxy's HTML page, say): fall back to the raw text.
  }
  const text = body.trim().split('\n')[0]?.slice(0, 200);
  return `HTTP ${status}${text ? `: ${text}` : ''}`;
}

export function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (code === 'ECONNRESET') return 'connection reset';
  return err.message;
}
