const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();

/** Intl formatters are costly to make: one per language and style, reused for every card. */
function cached<T extends Intl.NumberFormat | Intl.DateTimeFormat>(key: string, make: () => T): T {
  let f = formatters.get(key) as T | undefined;
  if (!f) formatters.set(key, (f = make()));
  return f;
}

/** Bytes in words: 1.2 MB. */
export function formatSize(bytes: number | undefined, language: string): string {
  if (bytes === undefined) return '';
  const units = ['B', 'kB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = unit ? 1 : 0;
  return `${cached(`n${language}${digits}`, () => new Intl.NumberFormat(language, { maximumFractionDigits: digits })).format(value)} ${units[unit]}`;
}

/** A Unix time (seconds) as a date and time in the reader's language. */
export function formatTime(seconds: number, language: string): string {
  const date = new Date(seconds * 1000);
  const sameDay = date.toDateString() === new Date().toDateString();
  const format = cached(`d${language}${sameDay}`, () => new Intl.DateTimeFormat(language, sameDay ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' }));
  return format.format(date);
}

export function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}
