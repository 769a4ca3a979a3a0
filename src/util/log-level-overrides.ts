/** pino's numeric levels for the names `log-level` takes. */
export const LOG_LEVEL_VALUES = { trace: 10, debug: 20, info: 30, warn: 40, error: 50 } as const;
export type LogLevelName = keyof typeof LOG_LEVEL_VALUES;

/** One `log-level-overrides` entry: lines whose `field` is there (and equals `value`, when given) log from `level` up. */
export interface LogLevelOverride {
  field: string;
  value?: string;
  level: LogLevelName;
}

const ENTRY = /^\s*([^\s=]+)\s*(?:=\s*(.*?))?\s*->\s*([A-Za-z]+)\s*$/;

/** ntfy's `field=value -> level` or `field -> level`; undefined when the entry is not one. */
export function parseLogLevelOverride(entry: string): LogLevelOverride | undefined {
  const m = ENTRY.exec(entry);
  if (!m) return undefined;
  const word = m[3]!.toLowerCase();
  const level = word === 'warning' ? 'warn' : word;
  if (!(level in LOG_LEVEL_VALUES)) return undefined;
  return { field: m[1]!, ...(m[2] !== undefined && m[2] !== '' ? { value: m[2] } : {}), level: level as LogLevelName };
}

/**
 * The level a line with these fields is held to: that of the first override that matches it, as
 * in ntfy (so an override may lower the bar for a field, or raise it to quieten one), else `base`.
 */
export function levelFor(fields: Readonly<Record<string, unknown>>, overrides: readonly LogLevelOverride[], base: LogLevelName): LogLevelName {
  for (const o of overrides) {
    const value = fields[o.field];
    if (value === undefined) continue;
    if (o.value === undefined || o.value === (typeof value === 'string' ? value : JSON.stringify(value))) return o.level;
  }
  return base;
}
