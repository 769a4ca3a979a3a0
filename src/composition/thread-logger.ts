import type { Logger } from '../ports/logger.js';

/** A log line posted from a worker thread to the main thread, which writes it with its own logger. */
export interface ThreadLogLine {
  op: 'log';
  level: 'debug' | 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  msg: string;
}

/** A Logger for a worker thread: each line is posted to the main thread (errors as plain objects, which survive cloning). */
export function threadLogger(post: (line: ThreadLogLine) => void): Logger {
  const log = (level: ThreadLogLine['level']) => (fields: object, msg = '') => post({ op: 'log', level, fields: plainFields(fields), msg });
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

function plainFields(fields: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = v instanceof Error ? { message: v.message, name: v.name, stack: v.stack } : v;
  return out;
}
