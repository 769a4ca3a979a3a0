import { Writable } from 'node:stream';
import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { Config } from '../config/index.js';
import { levelFor, LOG_LEVEL_VALUES, parseLogLevelOverride, type LogLevelName, type LogLevelOverride } from '../util/log-level-overrides.js';

/**
 * The server's logger: pino JSON lines on stdout, or text lines on stderr for people at a
 * terminal (`log-format: text`); with `log-file`, either goes to that file instead (appended, the
 * directory created), as ntfy's `log-file` does.
 */
export function createLogger(config: Config): PinoLogger {
  const overrides = config.logLevelOverrides.map((entry) => parseLogLevelOverride(entry)).filter((o) => o !== undefined);
  const options = {
    ...levelOptions(config.logLevel, overrides),
    base: undefined,
    formatters: { level: (label: string) => ({ level: label }) },
    // Belt and braces: nothing logs these today, and a future log line must not leak them either.
    redact: { paths: ['password', 'new_password', 'token', 'hash', 'headers.authorization', 'req.headers.authorization', '*.password', '*.token'], censor: '[redacted]' },
  };
  // Synchronous, so the last lines before an exit (a failed start, say) are in the file too.
  const file: DestinationStream | undefined = config.logFile ? pino.destination({ dest: config.logFile, mkdir: true, append: true, sync: true }) : undefined;
  if (config.logFormat === 'json') return file ? pino(options, file) : pino(options);
  const out = file ?? process.stderr;
  // Text lines: time, level, message, then the structured fields.
  const text = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const { time, level, msg, ...fields } = JSON.parse(chunk.toString('utf8')) as Record<string, unknown>;
      const extra = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
      out.write(`${new Date(Number(time)).toISOString()} ${String(level).toUpperCase()} ${String(msg ?? '')}${extra ? ` ${extra}` : ''}\n`);
      done();
    },
  });
  return pino(options, text);
}

/**
 * `log-level-overrides`: pino lets through everything down to the lowest level any entry names,
 * and each line is then held to the level its fields call for (the call's own fields and the
 * logger's bindings, e.g. a request's). Without overrides pino's own level check is all there is.
 */
function levelOptions(base: LogLevelName, overrides: readonly LogLevelOverride[]): { level: LogLevelName; hooks?: { logMethod(this: PinoLogger, args: unknown[], method: (...args: unknown[]) => void, level: number): void } } {
  if (overrides.length === 0) return { level: base };
  const lowest = [base, ...overrides.map((o) => o.level)].reduce((a, b) => (LOG_LEVEL_VALUES[b] < LOG_LEVEL_VALUES[a] ? b : a));
  return {
    level: lowest,
    hooks: {
      logMethod(args, method, level) {
        const first = args[0];
        const own = first instanceof Error ? { err: first } : typeof first === 'object' && first !== null ? (first as Record<string, unknown>) : {};
        const fields = { ...this.bindings(), ...own };
        if (level >= LOG_LEVEL_VALUES[levelFor(fields, overrides, base)]) method.apply(this, args);
      },
    },
  };
}
