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
  return `${new Intl.NumberFormat(language, { maximumFractionDigits: unit ? 1 : 0 }).format(value)} ${units[unit]}`;
}

/** A Unix time (seconds) as a date and time in the reader's language. */
export function formatTime(seconds: number, language: string): string {
  const date = new Date(seconds * 1000);
  const sameDay = date.toDateString() === new Date().toDateString();
  return new Intl.DateTimeFormat(language, sameDay ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

export function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}
